"""Fixtures for an offline conda channel and environments built from it (environments issue)."""

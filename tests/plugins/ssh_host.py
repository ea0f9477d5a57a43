"""Fixtures for a loopback SSH host and a Jupyter server (remote Jupyter issue)."""

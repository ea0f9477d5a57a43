"""Environments: names, backends, creation and inspection."""

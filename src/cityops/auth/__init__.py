"""Credentials: API keys for systems and people's scripts, tokens for devices."""

"""Command-line edge: each command parses options, calls one service, and prints."""

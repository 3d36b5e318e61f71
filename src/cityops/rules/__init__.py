"""智联 (detect): declarative rules evaluated over the stream of readings."""

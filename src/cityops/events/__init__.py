"""智联 (detect) output: city events — opened, updated, de-duplicated, acknowledged, cleared."""

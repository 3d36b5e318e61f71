"""The shared contract every room of CityOps builds on: types, errors, clock, settings."""

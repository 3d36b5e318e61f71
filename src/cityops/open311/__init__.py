"""Citizen reports through Open311 GeoReport v2."""

"""HTTP edge: thin FastAPI routes over the domain services of a `Runtime`."""

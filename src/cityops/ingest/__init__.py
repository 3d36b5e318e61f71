"""Ingestion: bytes from HTTP or MQTT → validated readings → one batched writer → store and bus."""

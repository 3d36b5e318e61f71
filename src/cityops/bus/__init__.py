"""Publish/subscribe between rooms, so data flows one way: the store publishes, others listen."""

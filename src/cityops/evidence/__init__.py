"""Evidence: images and files behind events, stored once and served safely."""

"""AI detections from cameras: vendor labels → event classes, with images as evidence."""

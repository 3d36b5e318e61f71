"""物联 (sense): thing models, the device registry, device status and the latest-values shadow."""

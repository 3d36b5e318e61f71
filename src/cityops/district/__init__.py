"""The district: its administrative areas (区/街道/社区/单元网格) and named places.

`model` holds the types and code rules, `loader` reads and checks GeoJSON files, `index`
locates points in grids, and `service` stores areas and serves them as GeoJSON.
"""

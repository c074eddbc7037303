"""Finding events: full text, map and accessibility filters, facets, incremental sync."""

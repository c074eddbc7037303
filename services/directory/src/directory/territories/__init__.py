"""Communes of the official geographic code: search by name or postcode, check a code."""

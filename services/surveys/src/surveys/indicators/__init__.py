"""Indicators: one measure of one question, followed across the waves of a series."""

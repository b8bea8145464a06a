"""Benchmarks: the problem schema, one module per benchmark (loader and native scorer), data sources."""

"""Benchmarks: they print figures against the targets; they are never tests."""

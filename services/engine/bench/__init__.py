"""Benchmarks of DESIGN §8 (`trading bench`): registry in `runner`, one module each."""

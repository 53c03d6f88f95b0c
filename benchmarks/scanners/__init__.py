"""Helpers of benchmarks/scanners.py."""

"""Benchmarks: each bench_<area>.py module has a main() that prints its figures."""

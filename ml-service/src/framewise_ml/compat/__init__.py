"""Shims for the environments the ML service runs in."""

"""Framewise ML service (internal)."""

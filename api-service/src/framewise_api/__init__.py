"""Framewise REST API."""

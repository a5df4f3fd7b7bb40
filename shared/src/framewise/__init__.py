"""Framewise core: the domain, the use cases and the adapters shared by the services."""

__version__ = "0.1.0"

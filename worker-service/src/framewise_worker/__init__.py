"""Framewise workers (arq)."""

"""Decoding video frames and audio for the analyses (PyAV, one pass per request)."""

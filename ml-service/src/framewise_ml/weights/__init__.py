"""Converters that turn model weights shipped in one format into the format a runtime loads."""

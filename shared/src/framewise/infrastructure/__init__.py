"""Adapters: PostgreSQL, arq on Valkey, the httpx ML client, media probing, logging."""

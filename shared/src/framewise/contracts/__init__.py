"""Contracts between the services: what crosses the queue and what crosses HTTP to the ML service."""

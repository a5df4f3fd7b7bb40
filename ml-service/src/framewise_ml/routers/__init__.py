"""HTTP routes of the ML service."""

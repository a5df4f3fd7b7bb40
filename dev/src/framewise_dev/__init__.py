"""Development tools: embedded stores, the local supervisor, generated sample media."""

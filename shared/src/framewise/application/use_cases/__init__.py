"""One business action per class, each with a single `execute`."""

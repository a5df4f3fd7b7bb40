"""Models the suite fits itself on generated data, for analyses with no real weights on PyPI."""

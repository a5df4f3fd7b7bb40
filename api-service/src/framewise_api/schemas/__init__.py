"""Response and request bodies of the REST API."""

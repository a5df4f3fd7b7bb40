"""Pure domain: entities, value objects and rules. Imports only the standard library and pydantic."""

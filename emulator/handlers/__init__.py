"""The REST handlers, one module per resource; each takes a ``Call`` and returns a response."""

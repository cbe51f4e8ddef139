"""WB's methods, one module per API category: the spec, the request and a parser into
frozen dataclasses. `base` holds what they share."""

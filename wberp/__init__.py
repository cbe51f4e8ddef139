"""wberp: a self-hosted back-office for Wildberries sellers."""

__version__ = "0.1.0"

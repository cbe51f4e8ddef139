"""Wildberries seller API, framework-free: token claims, hosts, an HTTP client and an emulator.

Importing the package itself stays cheap and stdlib-only, so that the emulator can run without
`requests` and without Django; import `wbapi.client` explicitly where WB is called.
"""

__version__ = "0.1.0"

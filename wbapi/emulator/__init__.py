"""A local stand-in for WB's seller API: same paths, bodies, errors, limits; plus faults.

Pure standard library, so it runs without the project's dependencies:

    python -m wbapi.emulator --port 8010          serve http://127.0.0.1:8010/{host}/...
    python -m wbapi.emulator mint --type personal print a token the server accepts
    python -m wbapi.emulator demo-tokens          print a set of labelled demo tokens

Tests use `wbapi.emulator.testing.EmulatorServer`.
"""

"""`make bench`: the load benchmark of wberp's pages on its production server (see README.md)."""

"""The `aidc` command line."""

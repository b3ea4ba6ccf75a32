"""Checksum lists of the official datasets (data files shipped with the package)."""

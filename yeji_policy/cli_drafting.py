"""Drafting tools' commands (fmt, diff, simulate), registered on the main group."""

"""Provides device behaviour that is not a transport: reading what devices send back (feedback)."""

"""Provides the console's screens: the main console and its small modal screens (find, help, quit)."""

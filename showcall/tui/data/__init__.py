"""Provides the console's view data: formatting, department keys and the coalescing event feed.

Nothing here imports Textual, so it is tested and reused without a terminal.
"""

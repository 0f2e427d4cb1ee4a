"""Provides the console: a Textual TUI that is a view and a keyboard on the engine (see app.py).

Package split by role: `data/` turns engine events into what the screen shows (no Textual
imports), `widgets/` draw one part of the screen each, `screens/` put them together with the
keys, and `app.py` wires a show session to them.
"""

"""Provides the console's widgets, one part of the screen each (header, standby box, cue list, lines, panels, logs)."""

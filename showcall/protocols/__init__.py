"""Provides the pure wire codecs (MIDI Show Control, MIDI timecode, OSC stream framings); no I/O."""

"""Provides the cue engine: the show's state machine (playhead, standby, GO, triggers, hold, panic).

The engine never sleeps to fire a cue: a cue's sends become absolute deadlines handed to the
timing core the moment the cue is GOne (or armed, for automatic cues). It never imports Textual.
"""

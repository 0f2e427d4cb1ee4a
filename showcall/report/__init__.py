"""Provides the post-show report (`showcall report`): an event log read back, run by run, into where the show
ran over, which cues were late or failed, the holds, the device outages and the timing core's figures.

`logfile` reads and checks the log and splits it into runs; `outline` is what the show file planned; `fold`
turns one run's events into a `ShowReport` (`model`); `text`, `jsonout` and `html` (with `svg`) render it.
Nothing here imports the engine or Textual: a log is read as the JSON lines design.md §6 documents.
"""

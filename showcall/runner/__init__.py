"""Provides running a show: the session that wires plan, timing core, engine and log, and the headless runner."""

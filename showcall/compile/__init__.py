"""Provides the compiler: every action of a show becomes wire bytes and an offset, ahead of the show."""

"""Provides the implementation of each `showcall` subcommand (cli.py wires them to argparse)."""

"""Provides the built-in device profiles (YAML files beside this module)."""

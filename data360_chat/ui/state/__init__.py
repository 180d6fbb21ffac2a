"""Reflex states: thin adapters over the app's services."""

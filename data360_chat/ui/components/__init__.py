"""Reflex components: plain functions of state."""

"""Helpers shared by the tests: real servers started on loopback, never stand-ins for the app's own parts."""

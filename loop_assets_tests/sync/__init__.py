"""Reverse-sync tests."""

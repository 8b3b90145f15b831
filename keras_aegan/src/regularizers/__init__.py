"""Gradient penalties."""

"""Layers: `kag.layers`."""

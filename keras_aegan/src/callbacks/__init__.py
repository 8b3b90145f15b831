"""Training callbacks (public API: `kag.callbacks`)."""

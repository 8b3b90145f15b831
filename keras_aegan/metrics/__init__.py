"""Streaming metrics: `kag.metrics`."""

from keras_aegan.src.metrics.mode_coverage import ModeCoverage

__all__ = ["ModeCoverage"]

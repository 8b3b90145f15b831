"""Training callbacks: `kag.callbacks`."""

from keras_aegan.src.callbacks.generative_metrics import GenerativeMetrics
from keras_aegan.src.callbacks.generator_ema import GeneratorEMA
from keras_aegan.src.callbacks.sample_grid import SampleGrid
from keras_aegan.src.callbacks.stability_monitor import StabilityMonitor

__all__ = ["GenerativeMetrics", "GeneratorEMA", "SampleGrid",
           "StabilityMonitor"]

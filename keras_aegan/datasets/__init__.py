"""Offline datasets: `kag.datasets`."""

from keras_aegan.src.datasets.digits import digits
from keras_aegan.src.datasets.stacked import stacked
from keras_aegan.src.datasets.toy import grid
from keras_aegan.src.datasets.toy import ring

__all__ = ["digits", "grid", "ring", "stacked"]

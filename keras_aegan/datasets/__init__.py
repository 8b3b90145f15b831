"""Datasets: `kag.datasets` (all offline except `load_tfds`, which uses
tensorflow-datasets and its download or cache)."""

from keras_aegan.src.datasets.digits import digits
from keras_aegan.src.datasets.stacked import stacked
from keras_aegan.src.datasets.tfds import load_tfds
from keras_aegan.src.datasets.toy import grid
from keras_aegan.src.datasets.toy import ring

__all__ = ["digits", "grid", "load_tfds", "ring", "stacked"]

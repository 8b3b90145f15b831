"""Loading saved models: `kag.saving`."""

from keras_aegan.src.saving.load import load_model

__all__ = ["load_model"]

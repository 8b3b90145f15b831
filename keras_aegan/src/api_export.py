"""Registration of public symbols for Keras serialization."""

import keras

PACKAGE = "keras_aegan"


def register(symbol):
    """Registers `symbol` with `keras.saving` under the `keras_aegan` package.

    Every public, serializable keras_aegan class goes through this one
    decorator, so that `keras.saving.load_model` finds it by name.
    """
    return keras.saving.register_keras_serializable(package=PACKAGE)(symbol)

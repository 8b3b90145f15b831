"""keras_aegan: autoencoder-stabilized GAN training for Keras 3.

Works on whichever backend Keras selects (`KERAS_BACKEND=tensorflow|jax|torch`).
"""

from keras_aegan import callbacks
from keras_aegan import datasets
from keras_aegan import layers
from keras_aegan import losses
from keras_aegan import metrics
from keras_aegan import models
from keras_aegan import regularizers
from keras_aegan import saving
from keras_aegan.models import StabilizedGAN

__version__ = "0.1.0"

__all__ = ["StabilizedGAN", "callbacks", "datasets", "layers", "losses",
           "metrics", "models", "regularizers", "saving", "__version__"]

"""Drop-in Keras layers for GANs: `kag.layers`."""

from keras_aegan.src.layers.differentiable_augmentation import (
    DifferentiableAugmentation,
)
from keras_aegan.src.layers.minibatch_standard_deviation import (
    MinibatchStandardDeviation,
)
from keras_aegan.src.layers.pack_samples import PackSamples
from keras_aegan.src.layers.pixel_normalization import PixelNormalization
from keras_aegan.src.layers.reconstruction_consistency import (
    ReconstructionConsistency,
)

__all__ = ["DifferentiableAugmentation", "MinibatchStandardDeviation",
           "PackSamples", "PixelNormalization", "ReconstructionConsistency"]

"""PixelNormalization: unit-length feature vectors at every position."""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register


@register
class PixelNormalization(keras.layers.Layer):
    """Normalizes the feature vector of every position to unit RMS.

    Divides each feature vector (the last axis) by its root mean square:
    `x / sqrt(mean(x ** 2, axis=-1, keepdims=True) + epsilon)`, independently
    for every sample and every spatial position. It has no weights. Used
    after each convolution of the ProGAN / StyleGAN generators, it keeps the
    generator's feature magnitudes from escalating.

    Reference: Karras et al. 2018, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation" (section 4.2).

    Args:
        epsilon: float > 0 added to the mean square before the square root,
            so that an all-zero vector stays zero instead of dividing by 0.
        **kwargs: base layer keyword arguments (`name`, `dtype`...).

    Call arguments:
        inputs: a tensor of any rank >= 1, features on the last axis.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> import keras_aegan as kag
    >>> x = np.array([[3.0, 4.0], [0.0, 0.0]], "float32")
    >>> y = kag.layers.PixelNormalization()(x)
    >>> keras.ops.convert_to_numpy(y).astype(float).round(4).tolist()
    [[0.8485, 1.1314], [0.0, 0.0]]
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        epsilon = validation.check_float("PixelNormalization", "epsilon",
                                         epsilon, 0, low_open=True)
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError(
                "PixelNormalization expects inputs of rank >= 1 with the "
                f"features on the last axis, got shape {tuple(input_shape)}."
            )
        self.built = True

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        mean_square = ops.mean(ops.square(x), axis=-1, keepdims=True)
        epsilon = ops.cast(self.epsilon, self.compute_dtype)
        return x * ops.rsqrt(mean_square + epsilon)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"epsilon": self.epsilon})
        return config

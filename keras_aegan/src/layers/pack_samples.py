"""PackSamples: PacGAN packing, the first layer of a packed discriminator."""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register


@register
class PackSamples(keras.layers.Layer):
    """Packs `num_packed` consecutive samples into one along the last axis.

    Reshapes `(batch, *features)` into
    `(batch // num_packed, *features[:-1], num_packed * features[-1])`:
    samples `i * m, ..., i * m + m - 1` (with `m = num_packed`) become one
    packed sample whose last axis is their last axes concatenated in order,
    so `(B, H, W, C) -> (B / m, H, W, m * C)` and `(B, D) -> (B / m, m * D)`.
    Output element `[i, ..., k * C + c]` is input element
    `[i * m + k, ..., c]`.

    Put it first in a discriminator: the discriminator then judges `m`
    samples jointly, which penalizes a generator whose samples lack
    diversity (mode collapse). Such a discriminator outputs `batch / m`
    logits for a batch of `batch` samples; that is expected, since the GAN
    losses average over the logits. `StabilizedGAN` passes real and fake
    samples through the discriminator separately, so a pack never mixes the
    two.

    The batch size must be a multiple of `num_packed`. When it is known
    (eager tensors, JAX, PyTorch, a fixed `keras.Input(batch_size=...)`) any
    other batch size raises a `ValueError`; when it is unknown (a TensorFlow
    graph traced with a `None` batch) such a batch fails inside the reshape.

    Reference: Lin et al. 2018, "PacGAN: The power of two samples in
    generative adversarial networks".

    Args:
        num_packed: int >= 2, the number of samples packed together (the
            paper's packing degree `m`).
        **kwargs: base layer keyword arguments (`name`, `dtype`...).

    Call arguments:
        inputs: a tensor `(batch, *features)` of rank >= 2 whose batch size
            is a multiple of `num_packed`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> import keras_aegan as kag
    >>> x = np.arange(8, dtype="float32").reshape(4, 2)
    >>> y = kag.layers.PackSamples(num_packed=2)(x)
    >>> keras.ops.convert_to_numpy(y).tolist()
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    """

    def __init__(self, num_packed=2, **kwargs):
        # 1 would leave the batch unchanged.
        num_packed = validation.check_int("PackSamples", "num_packed",
                                          num_packed, 2)
        super().__init__(**kwargs)
        self.num_packed = num_packed

    def _check_batch(self, batch):
        if batch % self.num_packed:
            raise ValueError(
                f"PackSamples(num_packed={self.num_packed}) needs a batch "
                f"size that is a multiple of {self.num_packed}, got a batch "
                f"of {batch} samples. Use a batch size that is a multiple of "
                f"{self.num_packed} (drop the last, smaller batch, e.g. "
                "`drop_remainder=True` with tf.data)."
            )

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                "PackSamples expects inputs of rank >= 2, (batch, *features), "
                f"got shape {tuple(input_shape)}."
            )
        if input_shape[0] is not None:
            self._check_batch(input_shape[0])
        self.built = True

    def call(self, inputs):
        if inputs.shape[0] is not None:
            self._check_batch(inputs.shape[0])
        shape = ops.shape(inputs)
        features = tuple(shape[1:])
        rank = len(shape)
        packed = self.num_packed
        # (batch / m, m, *features) -> (batch / m, *features[:-1], m, C).
        x = ops.reshape(inputs, (-1, packed) + features)
        x = ops.transpose(x, (0,) + tuple(range(2, rank)) + (1, rank))
        return ops.reshape(x, (-1,) + features[:-1] + (packed * features[-1],))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        batch, channels = input_shape[0], input_shape[-1]
        if batch is not None:
            self._check_batch(batch)
            batch = batch // self.num_packed
        if channels is not None:
            channels = channels * self.num_packed
        return (batch,) + input_shape[1:-1] + (channels,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_packed": self.num_packed})
        return config

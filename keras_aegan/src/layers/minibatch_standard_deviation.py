"""MinibatchStandardDeviation: a batch-diversity feature for discriminators."""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register

EPSILON = 1e-8


@register
class MinibatchStandardDeviation(keras.layers.Layer):
    """Appends the within-group standard deviation as an extra channel.

    Splits the batch into groups of `g = min(group_size, batch)` consecutive
    samples (samples `0..g-1`, `g..2g-1`, ...). For each group it computes
    the standard deviation of every feature over the group's samples,
    `sqrt(var + 1e-8)`, averages it over all the non-batch axes into one
    scalar per group, and appends that scalar as one extra channel (the last
    axis), broadcast over the spatial axes, to every sample of the group. The
    output has the input's shape with `channels + 1` channels.

    Placed near the end of a discriminator, it lets the discriminator see how
    diverse a batch is, which discourages mode collapse: a generator that
    produces near-identical samples yields a telltale low value.

    The batch size must be a multiple of `g`. When the batch size is known
    (eager tensors, JAX, PyTorch, a fixed `keras.Input(batch_size=...)`) a
    batch that is not a multiple raises a `ValueError`; when it is unknown
    (a TensorFlow graph traced with a `None` batch), the computation uses
    dynamic shapes and such a batch fails inside the reshape. A batch
    smaller than `group_size` forms a single group. Note that
    `StabilizedGAN` passes real and fake samples through the discriminator
    separately, so a group never mixes the two.

    Reference: Karras et al. 2018, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation" (section 3).

    Args:
        group_size: int >= 2, the number of samples per group (the last
            group size is `min(group_size, batch)`).
        **kwargs: base layer keyword arguments (`name`, `dtype`...).

    Call arguments:
        inputs: a tensor `(batch, ..., channels)` of rank >= 2 (for example
            `(batch, features)` or `(batch, height, width, channels)`).

    Example:

    >>> import numpy as np
    >>> import keras
    >>> import keras_aegan as kag
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [5.0, 5.0], [5.0, 5.0]],
    ...              "float32")
    >>> y = kag.layers.MinibatchStandardDeviation(group_size=2)(x)
    >>> keras.ops.convert_to_numpy(y).astype(float).round(4).tolist()
    [[0.0, 1.0, 1.0], [2.0, 3.0, 1.0], [5.0, 5.0, 0.0001], [5.0, 5.0, 0.0001]]
    """

    def __init__(self, group_size=4, **kwargs):
        # A standard deviation needs at least 2 samples.
        group_size = validation.check_int("MinibatchStandardDeviation",
                                          "group_size", group_size, 2)
        super().__init__(**kwargs)
        self.group_size = group_size

    def _group(self, batch):
        """The static group size for a static `batch`; raises if it misfits."""
        group = min(self.group_size, batch)
        if group and batch % group:
            raise ValueError(
                f"MinibatchStandardDeviation(group_size={self.group_size}) "
                f"needs a batch size that is a multiple of min(group_size, "
                f"batch) = {group}, got a batch of {batch} samples. Use a "
                f"batch size that is a multiple of {group} (drop the last, "
                "smaller batch, e.g. `drop_remainder=True` with tf.data), or "
                "a `group_size` that divides the batch size."
            )
        return group

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                "MinibatchStandardDeviation expects inputs of rank >= 2, "
                "(batch, ..., channels), got shape "
                f"{tuple(input_shape)}."
            )
        self.built = True

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        shape = ops.shape(x)
        rank = len(shape)
        if x.shape[0] is not None:
            group = self._group(x.shape[0])
        else:
            group = ops.minimum(self.group_size, shape[0])
        features = tuple(shape[1:])
        # (groups, group, *features): consecutive samples share a group.
        grouped = ops.reshape(x, (-1, group) + features)
        centered = grouped - ops.mean(grouped, axis=1, keepdims=True)
        variance = ops.mean(ops.square(centered), axis=1)
        std = ops.sqrt(variance + ops.cast(EPSILON, self.compute_dtype))
        # One scalar per group, broadcast to (groups, group, ..., 1).
        statistic = ops.mean(std, axis=tuple(range(1, rank)))
        statistic = ops.reshape(statistic, (-1,) + (1,) * rank)
        feature = ops.ones_like(grouped[..., :1]) * statistic
        feature = ops.reshape(feature, tuple(shape[:-1]) + (1,))
        return ops.concatenate([x, feature], axis=-1)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if input_shape[0] is not None:
            self._group(input_shape[0])
        channels = input_shape[-1]
        return input_shape[:-1] + (
            None if channels is None else channels + 1,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"group_size": self.group_size})
        return config

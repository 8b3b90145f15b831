"""ReconstructionConsistency: the manifold term as a drop-in layer."""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register
from keras_aegan.src.losses.reconstruction_consistency_loss import DISTANCES
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    per_sample_distance,
)


@register
class ReconstructionConsistency(keras.layers.Layer):
    """Identity layer that adds the manifold-consistency loss in training.

    Returns its input unchanged. With `training=True` it also adds
    `weight * mean(distance(x, stop_gradient(autoencoder(x))))` to the
    model's losses (`add_loss`): put it at the end of any generator and the
    generator is pulled towards what the autoencoder reconstructs, i.e.
    towards the data manifold the autoencoder learned. Only the generator
    learns from it; the autoencoder is a constant here.

    The autoencoder must be trained on real data: `kag.StabilizedGAN` finds
    these layers in its generator and trains their autoencoders on each real
    batch with its autoencoder optimizer (logged in `ae_loss`), and counts
    the added loss in `g_loss`. In a hand-written training loop, train the
    autoencoder on real data yourself and leave its weights out of the
    generator's update (they get no gradient from this layer).

    Args:
        autoencoder: `keras.Model` mapping samples to samples of the same
            shape.
        weight: float >= 0, the weight of the added loss.
        distance: `"l2"` (mean squared difference over non-batch axes),
            `"l1"` or `"huber"`.

    Call arguments:
        inputs: a batch of samples, the autoencoder's input shape.
        training: bool; the loss is added only when True.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> autoencoder = keras.Sequential([keras.Input((2,)),
    ...                                 keras.layers.Dense(2)])
    >>> layer = kag.layers.ReconstructionConsistency(autoencoder, weight=0.5)
    >>> x = np.ones((4, 2), "float32")
    >>> y = layer(x, training=True)
    >>> len(layer.losses)
    1
    """

    def __init__(self, autoencoder, weight=1.0, distance="l2", **kwargs):
        if not isinstance(autoencoder, keras.layers.Layer):
            raise TypeError(
                "ReconstructionConsistency: `autoencoder` must be a "
                f"keras.Model, got {autoencoder!r} of type "
                f"{type(autoencoder).__name__}."
            )
        weight = validation.check_number("ReconstructionConsistency",
                                         "weight", weight, 0)
        validation.check_choice("ReconstructionConsistency", "distance",
                                distance, DISTANCES)
        super().__init__(**kwargs)
        self.autoencoder = autoencoder
        self.weight = weight
        self.distance = distance

    def build(self, input_shape):
        if not self.autoencoder.built:
            self.autoencoder.build(input_shape)
        self.built = True

    def call(self, inputs, training=None):
        if training:
            target = ops.stop_gradient(
                self.autoencoder(inputs, training=False))
            inputs_cast = ops.cast(inputs, target.dtype)
            distance = per_sample_distance(inputs_cast, target, self.distance)
            self.add_loss(ops.cast(self.weight * ops.mean(distance),
                                   "float32"))
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "autoencoder": keras.saving.serialize_keras_object(
                self.autoencoder),
            "weight": self.weight,
            "distance": self.distance,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["autoencoder"] = keras.saving.deserialize_keras_object(
            config["autoencoder"], custom_objects=custom_objects)
        return cls(**config)

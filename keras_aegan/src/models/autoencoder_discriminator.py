"""AutoencoderDiscriminator: a discriminator whose output is an energy."""

import keras
from keras import ops

from keras_aegan.src.api_export import register
from keras_aegan.src.losses.reconstruction_consistency_loss import DISTANCES
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    per_sample_distance,
)


@register
class AutoencoderDiscriminator(keras.Model):
    """A discriminator that scores samples by how well it reconstructs them.

    The energy-based discriminators of EBGAN (Zhao et al. 2017) and BEGAN
    (Berthelot et al. 2017): an autoencoder `decoder(encoder(x))` whose
    output is the per-sample reconstruction energy
    `distance(x, decoder(encoder(x)))` (mean over all non-batch axes), shape
    `(batch, 1)`. Low energy means "looks real". Use it with
    `adversarial_loss="ebgan"` or `"began"` (or `kag.losses.EBGANLoss` /
    `kag.losses.BEGANLoss`); the logit-based losses reject it.

    Args:
        encoder: `keras.Model` mapping data to codes (any shape).
        decoder: `keras.Model` mapping codes back to the data's shape.
        distance: `"l2"` (mean squared error, EBGAN), `"l1"` (mean absolute
            error, BEGAN's `eta = 1`) or `"huber"`.

    Call arguments:
        inputs: a batch of samples `(batch, *data_shape)`.
        training: bool, passed to the encoder and decoder.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> encoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8)])
    >>> decoder = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    >>> disc = kag.models.AutoencoderDiscriminator(encoder, decoder)
    >>> tuple(disc(np.zeros((3, 2), "float32")).shape)
    (3, 1)
    """

    def __init__(self, encoder, decoder, distance="l2", **kwargs):
        for name, network in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(network, keras.layers.Layer):
                raise TypeError(
                    f"AutoencoderDiscriminator: `{name}` must be a keras.Model "
                    f"(or Layer), got {network!r} of type "
                    f"{type(network).__name__}."
                )
        if distance not in DISTANCES:
            raise ValueError(
                f"AutoencoderDiscriminator: unknown distance {distance!r}; "
                f"expected one of {DISTANCES}."
            )
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.distance = distance
        if encoder.built and decoder.built:
            self.built = True

    def build(self, input_shape):
        if not self.encoder.built:
            self.encoder.build(input_shape)
        if not self.decoder.built:
            codes = self.encoder.compute_output_shape(input_shape)
            self.decoder.build(codes)
        self.built = True

    def energy_and_codes(self, inputs, training=False):
        """Per-sample energies `(batch, 1)` and the encoder's codes."""
        codes = self.encoder(inputs, training=training)
        reconstruction = self.decoder(codes, training=training)
        if tuple(reconstruction.shape[1:]) != tuple(inputs.shape[1:]):
            raise ValueError(
                "AutoencoderDiscriminator: the decoder must give back the "
                f"input's shape {tuple(inputs.shape[1:])}, it gives "
                f"{tuple(reconstruction.shape[1:])}."
            )
        inputs = ops.cast(inputs, reconstruction.dtype)
        energy = per_sample_distance(inputs, reconstruction, self.distance)
        return ops.expand_dims(energy, -1), codes

    def call(self, inputs, training=False):
        return self.energy_and_codes(inputs, training=training)[0]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {
            **super().get_config(),
            "encoder": serialize(self.encoder),
            "decoder": serialize(self.decoder),
            "distance": self.distance,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("encoder", "decoder"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects)
        return cls(**config)

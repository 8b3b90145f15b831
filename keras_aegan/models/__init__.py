"""Models and network builders: `kag.models`."""

from keras_aegan.src.models.autoencoder_discriminator import (
    AutoencoderDiscriminator,
)
from keras_aegan.src.models.builders import GANNetworks
from keras_aegan.src.models.builders import dcgan
from keras_aegan.src.models.builders import mlp_gan
from keras_aegan.src.models.compile_args import recommended_consistency_losses
from keras_aegan.src.models.stabilized_gan import StabilizedGAN

__all__ = ["AutoencoderDiscriminator", "GANNetworks", "StabilizedGAN",
           "dcgan", "mlp_gan", "recommended_consistency_losses"]

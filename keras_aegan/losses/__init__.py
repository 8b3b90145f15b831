"""Losses: `kag.losses`."""

from keras_aegan.src.losses.adversarial import AdversarialLoss
from keras_aegan.src.losses.adversarial import NonSaturatingLoss
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    ReconstructionConsistencyLoss,
)

__all__ = ["AdversarialLoss", "NonSaturatingLoss",
           "ReconstructionConsistencyLoss"]

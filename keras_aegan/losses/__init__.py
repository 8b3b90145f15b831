"""Losses: `kag.losses`."""

from keras_aegan.src.losses.adversarial import AdversarialLoss
from keras_aegan.src.losses.adversarial import BEGANLoss
from keras_aegan.src.losses.adversarial import EBGANLoss
from keras_aegan.src.losses.adversarial import HingeLoss
from keras_aegan.src.losses.adversarial import LeastSquaresLoss
from keras_aegan.src.losses.adversarial import MinimaxLoss
from keras_aegan.src.losses.adversarial import NonSaturatingLoss
from keras_aegan.src.losses.adversarial import WassersteinLoss
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    ReconstructionConsistencyLoss,
)

__all__ = ["AdversarialLoss", "BEGANLoss", "EBGANLoss", "HingeLoss",
           "LeastSquaresLoss", "MinimaxLoss", "NonSaturatingLoss",
           "ReconstructionConsistencyLoss", "WassersteinLoss"]

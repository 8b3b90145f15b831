"""Losses: `kag.losses`."""

from keras_aegan.src.losses.adversarial import AdversarialLoss
from keras_aegan.src.losses.adversarial import BEGANLoss
from keras_aegan.src.losses.adversarial import EBGANLoss
from keras_aegan.src.losses.adversarial import HingeLoss
from keras_aegan.src.losses.adversarial import LeastSquaresLoss
from keras_aegan.src.losses.adversarial import MinimaxLoss
from keras_aegan.src.losses.adversarial import NonSaturatingLoss
from keras_aegan.src.losses.adversarial import RelativisticPairingLoss
from keras_aegan.src.losses.adversarial import WassersteinLoss
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    DataConsistencyLoss,
)
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    LatentConsistencyLoss,
)
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    ManifoldConsistencyLoss,
)
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    ReconstructionConsistencyLoss,
)

__all__ = ["AdversarialLoss", "BEGANLoss", "DataConsistencyLoss",
           "EBGANLoss", "HingeLoss", "LatentConsistencyLoss",
           "LeastSquaresLoss", "ManifoldConsistencyLoss", "MinimaxLoss",
           "NonSaturatingLoss", "ReconstructionConsistencyLoss",
           "RelativisticPairingLoss", "WassersteinLoss"]

"""Gradient penalties on the discriminator: `kag.regularizers`."""

from keras_aegan.src.regularizers.gradient_penalties import GradientPenalty
from keras_aegan.src.regularizers.gradient_penalties import InputGradientPenalty
from keras_aegan.src.regularizers.gradient_penalties import R1Penalty
from keras_aegan.src.regularizers.gradient_penalties import R2Penalty
from keras_aegan.src.regularizers.gradient_penalties import (
    ZeroCenteredGradientPenalty,
)

__all__ = ["GradientPenalty", "InputGradientPenalty", "R1Penalty",
           "R2Penalty", "ZeroCenteredGradientPenalty"]

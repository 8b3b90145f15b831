"""Gradient penalties on the discriminator: `kag.regularizers`."""

from keras_aegan.src.regularizers.gradient_penalties import GradientPenalty
from keras_aegan.src.regularizers.gradient_penalties import InputGradientPenalty
from keras_aegan.src.regularizers.gradient_penalties import R1Penalty

__all__ = ["GradientPenalty", "InputGradientPenalty", "R1Penalty"]

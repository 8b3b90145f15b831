"""Streaming metrics: `kag.metrics`."""

from keras_aegan.src.metrics.fid_inception import fid_inception_extractor
from keras_aegan.src.metrics.frechet_distance import FrechetDistance
from keras_aegan.src.metrics.inception import inception_feature_extractor
from keras_aegan.src.metrics.kernel_distance import KernelDistance
from keras_aegan.src.metrics.mode_coverage import ModeCoverage
from keras_aegan.src.metrics.precision_recall import PrecisionRecall

__all__ = ["FrechetDistance", "KernelDistance", "ModeCoverage",
           "PrecisionRecall", "fid_inception_extractor",
           "inception_feature_extractor"]

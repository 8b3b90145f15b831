"""Mode coverage of a Gaussian mixture (VEEGAN / PacGAN / Dist-GAN rules)."""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register


@register
class ModeCoverage(keras.metrics.Metric):
    """Counts the modes of a known Gaussian mixture that generated samples hit.

    Every generated sample is assigned to its nearest mean. A sample is *high
    quality* (HQ) when that distance is below `threshold × std` (3σ by
    default). `result()` returns a dict:

    - `modes`: means nearest to at least one HQ sample (VEEGAN/PacGAN rule);
    - `modes_strict`: means with at least `min_count` HQ samples (Dist-GAN
      rule, 20 by default);
    - `high_quality`: the fraction of HQ samples;
    - `reverse_kl`: `KL(p_gen || uniform) = Σ p_k log(K p_k)`, with `p_k` the
      fraction of all samples nearest to mean `k`.

    It streams: `update_state(real, generated)` can be called batch by batch
    (`real` is not needed and may be `None`; the mixture is given by
    `centers`).

    Args:
        centers: array `(K, dim)` of the mixture's means.
        std: float, the standard deviation of each Gaussian.
        threshold: float, HQ radius in units of `std`.
        min_count: int, HQ samples a mode needs for `modes_strict`.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> centers = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> metric = kag.metrics.ModeCoverage(centers, std=0.01, min_count=1)
    >>> metric.update_state(None, np.array([[0.0, 0.001], [0.5, 0.5]]))
    >>> for key, value in metric.result().items():
    ...     print(key, round(float(value), 3))
    modes 1.0
    modes_strict 1.0
    high_quality 0.5
    reverse_kl 0.693
    """

    def __init__(self, centers, std, threshold=3.0, min_count=20,
                 name="mode_coverage", **kwargs):
        super().__init__(name=name, **kwargs)
        centers = ops.convert_to_numpy(centers).astype("float32")
        if centers.ndim != 2 or len(centers) == 0:
            raise ValueError(
                "ModeCoverage `centers` must be an array of shape (K, dim) "
                f"with K >= 1, got shape {centers.shape}."
            )
        std = validation.check_number("ModeCoverage", "std", std, 0,
                                      low_open=True)
        self.centers = centers.tolist()
        self.std = std
        self.threshold = float(threshold)
        self.min_count = int(min_count)
        self._centers = ops.convert_to_tensor(centers)
        num_modes = len(centers)
        self.hq_counts = self.add_variable(
            shape=(num_modes,), initializer="zeros", name="hq_counts")
        self.counts = self.add_variable(
            shape=(num_modes,), initializer="zeros", name="counts")

    def update_state(self, real, generated, sample_weight=None):
        generated = ops.cast(ops.convert_to_tensor(generated), "float32")
        generated = ops.reshape(generated, (ops.shape(generated)[0], -1))
        squared = ops.sum(
            ops.square(generated[:, None, :] - self._centers[None]), axis=-1)
        nearest = ops.argmin(squared, axis=1)
        distance = ops.sqrt(ops.min(squared, axis=1))
        one_hot = ops.one_hot(nearest, len(self.centers))
        high_quality = ops.cast(
            distance < self.threshold * self.std, "float32")
        self.counts.assign_add(ops.sum(one_hot, axis=0))
        self.hq_counts.assign_add(
            ops.sum(one_hot * high_quality[:, None], axis=0))

    def result(self):
        total = ops.maximum(ops.sum(self.counts), 1.0)
        p = self.counts / total
        safe = ops.where(p > 0, p, 1.0)
        reverse_kl = ops.sum(
            ops.where(p > 0, p * ops.log(len(self.centers) * safe), 0.0))
        return {
            "modes": ops.sum(ops.cast(self.hq_counts > 0, "float32")),
            "modes_strict": ops.sum(
                ops.cast(self.hq_counts >= self.min_count, "float32")),
            "high_quality": ops.sum(self.hq_counts) / total,
            "reverse_kl": reverse_kl,
        }

    def get_config(self):
        config = super().get_config()
        config.update({"centers": self.centers, "std": self.std,
                       "threshold": self.threshold,
                       "min_count": self.min_count})
        return config

"""Fréchet distance between Gaussian fits of two feature sets (FID)."""

from keras import ops

from keras_aegan.src.api_export import register
from keras_aegan.src.metrics.base import FeatureMetric
from keras_aegan.src.metrics.base import at_least
from keras_aegan.src.metrics.base import matmul


def _covariance(count, total, outer):
    """Mean and unbiased covariance from streaming sums (finite if n < 2)."""
    n = at_least(count, 2.0)
    mean = total / n
    cov = (outer - n * ops.outer(mean, mean)) / (n - 1.0)
    return mean, (cov + ops.transpose(cov)) / 2.0


def _trace_sqrt_product(cov_a, cov_b):
    """`Tr((A B)^{1/2})` for symmetric PSD `A`, `B`, with `ops.eigh` only.

    `A B` is similar to `A^{1/2} B A^{1/2}` (symmetric PSD), so the trace of
    its square root is the sum of the square roots of the latter's
    eigenvalues. Eigenvalues below 0 (round-off) are clipped at 0.
    """
    values, vectors = ops.eigh(cov_a)
    root = ops.sqrt(at_least(values, 0.0))
    sqrt_a = matmul(vectors * root[None, :], ops.transpose(vectors))
    middle = matmul(matmul(sqrt_a, cov_b), sqrt_a)
    middle = (middle + ops.transpose(middle)) / 2.0
    eigenvalues, _ = ops.eigh(middle)
    return ops.sum(ops.sqrt(at_least(eigenvalues, 0.0)))


@register
class FrechetDistance(FeatureMetric):
    """Fréchet distance between Gaussian fits of real and generated features.

    With `feature_extractor=kag.metrics.inception_feature_extractor(...)` this
    is the FID (Heusel et al., 2017):

    `||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^{1/2})`

    where `mu` and `S` are the mean and the unbiased (`n - 1`) covariance of
    each set's features. With `feature_extractor=None` the flattened samples
    are the features (the Fréchet distance of the data itself).

    It streams: `update_state(real, generated)` may be called batch by batch
    (either side may be `None` to update only the other; the two sets may
    have different sizes). The state is the count, sum and sum of outer
    products of each set's features (`2 (1 + d + d^2)` numbers, whatever the
    sample count), kept in float64 where the backend has it (TensorFlow,
    PyTorch on CPU/CUDA, JAX with `jax_enable_x64`) and in float32 otherwise
    (JAX by default): in float32 a 2048-dimensional FID is only good to a few
    digits. The state's dtype is the `state_dtype` attribute, and `result()`
    is in that dtype. The matrix square root uses `keras.ops.eigh`, so
    `result()` runs inside `jax.jit` / `tf.function` graphs too.
    `result()` is NaN until each set has at least 2 samples.

    Reference: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule
    Converge to a Local Nash Equilibrium", NeurIPS 2017.

    Args:
        feature_extractor: `keras.Model` mapping a batch of samples to a batch
            of features (its output is flattened per sample), or `None` to
            use the flattened samples.
        feature_dim: int, values per sample after feature extraction. Needed
            when `feature_extractor` is `None` or its output shape is unknown;
            otherwise inferred.
        name: name of the metric.

    `get_config()` stores the extractor's architecture, not its weights: a
    metric rebuilt with `from_config` has a freshly initialized extractor
    (rebuild it with the weights file instead).

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> metric = kag.metrics.FrechetDistance(feature_dim=2)
    >>> real = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    >>> metric.update_state(real, real + 3.0)  # same covariance, shifted
    >>> round(float(metric.result()), 4)  # ||(3, 3)||^2
    18.0
    """

    def __init__(self, feature_extractor=None, feature_dim=None,
                 name="frechet_distance", **kwargs):
        super().__init__(feature_extractor, feature_dim, name=name, **kwargs)
        d, dtype = self.feature_dim, self.state_dtype
        for prefix in ("real", "generated"):
            setattr(self, f"{prefix}_count", self.add_variable(
                shape=(), initializer="zeros", dtype=dtype,
                name=f"{prefix}_count"))
            setattr(self, f"{prefix}_sum", self.add_variable(
                shape=(d,), initializer="zeros", dtype=dtype,
                name=f"{prefix}_sum"))
            setattr(self, f"{prefix}_outer", self.add_variable(
                shape=(d, d), initializer="zeros", dtype=dtype,
                name=f"{prefix}_outer"))

    def update_state(self, real, generated, sample_weight=None):
        self._check_update_args(real, generated, sample_weight)
        for prefix, samples in (("real", real), ("generated", generated)):
            if samples is None:
                continue
            features = self._features(samples)
            count = ops.cast(ops.shape(features)[0], self.state_dtype)
            getattr(self, f"{prefix}_count").assign_add(count)
            getattr(self, f"{prefix}_sum").assign_add(
                ops.sum(features, axis=0))
            getattr(self, f"{prefix}_outer").assign_add(
                matmul(ops.transpose(features), features))

    def result(self):
        mean_r, cov_r = _covariance(
            self.real_count, self.real_sum, self.real_outer)
        mean_g, cov_g = _covariance(
            self.generated_count, self.generated_sum, self.generated_outer)
        distance = (
            ops.sum(ops.square(mean_r - mean_g))
            + ops.trace(cov_r) + ops.trace(cov_g)
            - 2.0 * _trace_sqrt_product(cov_r, cov_g))
        enough = ops.logical_and(self.real_count >= 2,
                                 self.generated_count >= 2)
        return ops.where(enough, distance, float("nan"))

"""Fréchet distance between Gaussian fits of two feature sets (FID)."""

import math
import warnings

import keras
from keras import ops

from keras_aegan.src.api_export import register


def _state_dtype():
    """`"float64"` where the backend computes in float64, else `"float32"`.

    JAX without `jax_enable_x64` silently makes float64 arrays float32, and
    some accelerators (Apple MPS) have no float64: both get float32. The
    probe goes through the ops whose dtype Keras may change (`_matmul`,
    `_at_least`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            probe = ops.ones((1, 1), dtype="float64")
            probe = _at_least(_matmul(probe, probe), 0.0)
        except (RuntimeError, TypeError, ValueError):
            return "float32"
    if keras.backend.standardize_dtype(probe.dtype) == "float64":
        return "float64"
    return "float32"


def _concrete_int(value):
    """The Python int of `value`, or `None` when it is traced.

    Inside `jax.jit` or `tf.function` a tensor has no value yet; each backend
    raises its own error type when asked for one, hence the broad `except`.
    """
    if value is None or isinstance(value, int):
        return value
    try:
        return int(ops.convert_to_numpy(value))
    except Exception:  # noqa: BLE001 (tracer / symbolic tensor)
        return None


def _output_size(owner, feature_extractor):
    """Values per sample that `feature_extractor` outputs, or `None`."""
    try:
        shape = feature_extractor.output_shape
    except (AttributeError, ValueError, RuntimeError, NotImplementedError):
        return None
    if isinstance(shape, dict) or (
            isinstance(shape, (list, tuple)) and shape
            and isinstance(shape[0], (list, tuple))):
        raise TypeError(
            f"{owner} `feature_extractor` must have a single output, got a "
            f"model with output shapes {shape}. Wrap it in a keras.Model "
            "that returns one tensor of features per sample.")
    dims = tuple(shape)[1:]
    if not all(isinstance(d, int) for d in dims):
        return None
    return math.prod(dims)


def _matmul(a, b):
    """`a @ b` for 2-D tensors, in their dtype.

    `ops.matmul` (and `ops.dot`, `ops.tensordot`) return float32 for float64
    inputs on PyTorch (Keras 3.15 promotes 64-bit to 32-bit outside
    TensorFlow); `ops.einsum` keeps float64 on every backend.
    """
    return ops.einsum("ij,jk->ik", a, b)


def _at_least(x, floor):
    """`max(x, floor)` in `x`'s dtype (`ops.maximum` makes float64 float32 on
    PyTorch)."""
    x = ops.convert_to_tensor(x)
    return ops.where(x > floor, x, floor)


class _FeatureMetric(keras.metrics.Metric):
    """Shared plumbing: feature extractor, feature dimension, config.

    `update_state(real, generated)` turns each batch into a `(batch, dim)`
    tensor of features in the state dtype (`_state_dtype()`); either side may
    be `None` to update only the other one.
    """

    def __init__(self, feature_extractor=None, feature_dim=None, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        owner = type(self).__name__
        if isinstance(feature_extractor, dict):
            feature_extractor = keras.saving.deserialize_keras_object(
                feature_extractor)
        if feature_extractor is not None and not isinstance(
                feature_extractor, keras.layers.Layer):
            raise TypeError(
                f"{owner} `feature_extractor` must be a keras.Model (or "
                f"layer) or None, got {type(feature_extractor).__name__}. "
                "Wrap your function in a keras.Model, or pass None to use the "
                "flattened samples as features.")
        if feature_dim is not None and (
                isinstance(feature_dim, bool)
                or not isinstance(feature_dim, int) or feature_dim < 1):
            raise ValueError(
                f"{owner} `feature_dim` must be a positive int or None, got "
                f"{feature_dim!r}.")
        inferred = (None if feature_extractor is None
                    else _output_size(owner, feature_extractor))
        if feature_dim is not None and inferred is not None \
                and feature_dim != inferred:
            raise ValueError(
                f"{owner} got feature_dim={feature_dim} but the "
                f"feature_extractor outputs {inferred} values per sample. "
                "Leave feature_dim=None to use the extractor's size.")
        feature_dim = feature_dim or inferred
        if feature_dim is None:
            where = ("the feature_extractor's output shape is unknown"
                     if feature_extractor is not None
                     else "feature_extractor is None")
            raise ValueError(
                f"{owner} needs the feature dimension to build its state, "
                f"but {where} and feature_dim is None. Pass feature_dim= the "
                "number of values per sample (after flattening; e.g. 2 for "
                "2-D points, 28*28 for MNIST digits), or a built "
                "feature_extractor whose output shape is known.")
        self.feature_extractor = feature_extractor
        self.feature_dim = int(feature_dim)
        self.state_dtype = _state_dtype()

    def _features(self, samples):
        """`(batch, feature_dim)` features of `samples`, in the state dtype."""
        x = samples
        if self.feature_extractor is not None:
            x = self.feature_extractor(x, training=False)
        x = ops.convert_to_tensor(x)
        static = tuple(x.shape)[1:]
        if all(isinstance(d, int) for d in static) \
                and math.prod(static) != self.feature_dim:
            source = ("feature_extractor outputs" if self.feature_extractor
                      is not None else "got samples of")
            raise ValueError(
                f"{type(self).__name__} expects {self.feature_dim} feature "
                f"values per sample, but the {source} shape "
                f"{tuple(x.shape)} ({math.prod(static)} per sample). Build "
                f"the metric with feature_dim={math.prod(static)}, or pass "
                "samples matching the metric.")
        return ops.reshape(ops.cast(x, self.state_dtype),
                           (-1, self.feature_dim))

    def _check_update_args(self, real, generated, sample_weight):
        owner = type(self).__name__
        if sample_weight is not None:
            raise ValueError(
                f"{owner} does not support sample_weight (received "
                f"{type(sample_weight).__name__}): every sample counts once. "
                "Leave sample_weight=None; repeat samples to weight them.")
        if real is None and generated is None:
            raise ValueError(
                f"{owner}.update_state got real=None and generated=None. "
                "Pass a batch of samples for at least one of them.")

    def get_config(self):
        config = super().get_config()
        extractor = self.feature_extractor
        config.update({
            "feature_extractor": (
                None if extractor is None
                else keras.saving.serialize_keras_object(extractor)),
            "feature_dim": self.feature_dim,
        })
        return config


def _covariance(count, total, outer):
    """Mean and unbiased covariance from streaming sums (finite if n < 2)."""
    n = _at_least(count, 2.0)
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
    root = ops.sqrt(_at_least(values, 0.0))
    sqrt_a = _matmul(vectors * root[None, :], ops.transpose(vectors))
    middle = _matmul(_matmul(sqrt_a, cov_b), sqrt_a)
    middle = (middle + ops.transpose(middle)) / 2.0
    eigenvalues, _ = ops.eigh(middle)
    return ops.sum(ops.sqrt(_at_least(eigenvalues, 0.0)))


@register
class FrechetDistance(_FeatureMetric):
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
                _matmul(ops.transpose(features), features))

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

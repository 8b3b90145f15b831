"""Base classes and numerical helpers of the sample-based metrics.

`FeatureMetric` turns batches of real and generated samples into features;
`BufferedFeatureMetric` keeps every feature vector in fixed-size buffers for
the metrics that compare all pairs (`KernelDistance`, `PrecisionRecall`).
"""

import math
import warnings

import keras
from keras import ops

from keras_aegan.src import validation


def state_dtype():
    """`"float64"` where the backend computes in float64, else `"float32"`.

    JAX without `jax_enable_x64` silently makes float64 arrays float32, and
    some accelerators (Apple MPS) have no float64: both get float32. The
    probe goes through the ops whose dtype Keras may change (`matmul`,
    `at_least`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            probe = ops.ones((1, 1), dtype="float64")
            probe = at_least(matmul(probe, probe), 0.0)
        except (RuntimeError, TypeError, ValueError):
            return "float32"
    if keras.backend.standardize_dtype(probe.dtype) == "float64":
        return "float64"
    return "float32"


def concrete_int(value):
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


def output_size(owner, feature_extractor):
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


def matmul(a, b):
    """`a @ b` for 2-D tensors, in their dtype.

    `ops.matmul` (and `ops.dot`, `ops.tensordot`) return float32 for float64
    inputs on PyTorch (Keras 3.15 promotes 64-bit to 32-bit outside
    TensorFlow); `ops.einsum` keeps float64 on every backend.
    """
    return ops.einsum("ij,jk->ik", a, b)


def at_least(x, floor):
    """`max(x, floor)` in `x`'s dtype (`ops.maximum` makes float64 float32 on
    PyTorch)."""
    x = ops.convert_to_tensor(x)
    return ops.where(x > floor, x, floor)


class FeatureMetric(keras.metrics.Metric):
    """Shared plumbing: feature extractor, feature dimension, config.

    `update_state(real, generated)` turns each batch into a `(batch, dim)`
    tensor of features in the state dtype (`state_dtype()`); either side
    may be `None` to update only the other one.
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
        if feature_dim is not None:
            feature_dim = validation.check_positive_int(owner, "feature_dim",
                                                        feature_dim)
        inferred = (None if feature_extractor is None
                    else output_size(owner, feature_extractor))
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
        self.state_dtype = state_dtype()

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


# Rows per block in the pairwise computations of `result()`: memory is
# O(block^2) whatever `max_samples` is.
BLOCK = 1024


def blocks(count, block):
    """Number of `block`-row blocks holding `count` rows (int tensor)."""
    return ops.floor_divide(count + (block - 1), block)


class BufferedFeatureMetric(FeatureMetric):
    """Keeps every real and generated feature vector in fixed buffers.

    Buffers hold `max_samples` rows per set (plus padding to a whole number
    of blocks; a row past `max_samples` takes the writes that overflow when
    the update is traced, see `update_state`). `real_count` and
    `generated_count` count every sample passed, stored or not.
    """

    def __init__(self, feature_extractor=None, feature_dim=None,
                 max_samples=10_000, name=None, min_block=1, **kwargs):
        super().__init__(feature_extractor, feature_dim, name=name, **kwargs)
        owner = type(self).__name__
        self.max_samples = validation.check_int(owner, "max_samples",
                                                max_samples, 2)
        self._block = max(min(BLOCK, self.max_samples + 1), min_block)
        capacity = -(-(self.max_samples + 1) // self._block) * self._block
        self._capacity = capacity
        for prefix in ("real", "generated"):
            setattr(self, f"{prefix}_count", self.add_variable(
                shape=(), initializer="zeros", dtype="int32",
                name=f"{prefix}_count"))
            setattr(self, f"{prefix}_features", self.add_variable(
                shape=(capacity, self.feature_dim), initializer="zeros",
                dtype=self.state_dtype, name=f"{prefix}_features"))

    def _overflow_error(self, which, total):
        return ValueError(
            f"{type(self).__name__} stores at most max_samples="
            f"{self.max_samples} {which} samples, and this would make "
            f"{total}. Build the metric with a larger max_samples (memory: "
            f"2 x max_samples x {self.feature_dim} floats), or call "
            "reset_state() between evaluations.")

    def update_state(self, real, generated, sample_weight=None):
        """Appends the features of `real` and/or `generated` to the buffers.

        Eagerly, an update that would exceed `max_samples` raises a
        ValueError and changes nothing. Traced (`jax.jit`, `tf.function`),
        values cannot be checked: the samples past `max_samples` are counted
        but not stored, and `result()` is NaN (or raises when called eagerly).
        """
        self._check_update_args(real, generated, sample_weight)
        batches = []
        for prefix, samples in (("real", real), ("generated", generated)):
            if samples is None:
                continue
            features = self._features(samples)
            count_var = getattr(self, f"{prefix}_count")
            batch = ops.shape(features)[0]
            known, size = concrete_int(count_var.value), concrete_int(batch)
            if known is not None and size is not None \
                    and known + size > self.max_samples:
                raise self._overflow_error(prefix, known + size)
            batches.append((prefix, features, batch))
        for prefix, features, batch in batches:
            count_var = getattr(self, f"{prefix}_count")
            buffer = getattr(self, f"{prefix}_features")
            # `batch` is a Python int where the shape is static (always in
            # JAX), which `arange` needs under `jax.jit`.
            rows = ops.minimum(
                count_var.value + ops.arange(batch, dtype="int32"),
                self.max_samples)
            buffer.assign(ops.scatter_update(
                buffer.value, ops.expand_dims(rows, 1), features))
            count_var.assign_add(ops.cast(batch, "int32"))

    def _stored(self):
        """`(real_count, generated_count)` clipped to what the buffers hold.

        Also raises the overflow error when the counts are readable.
        """
        counts = []
        for prefix in ("real", "generated"):
            count = getattr(self, f"{prefix}_count").value
            known = concrete_int(count)
            if known is not None and known > self.max_samples:
                raise self._overflow_error(prefix, known)
            counts.append(count)
        return counts

    def _valid(self, count_real, count_generated, minimum):
        """Whether both sets have `minimum` samples and none overflowed."""
        ok = ops.logical_and(count_real >= minimum, count_generated >= minimum)
        return ops.logical_and(ok, ops.logical_and(
            count_real <= self.max_samples,
            count_generated <= self.max_samples))

    def _block_rows(self, buffer, index):
        """Rows `[index * block, (index + 1) * block)` of `buffer`."""
        start = index * self._block
        # Start indices of one integer type (JAX with x64 would make a bare
        # 0 int64 next to an int32 loop index).
        column = 0 if isinstance(start, int) else ops.zeros_like(start)
        return ops.slice(buffer, (start, column),
                         (self._block, self.feature_dim))

    def _block_mask(self, index, count):
        return index * self._block + ops.arange(self._block) < count

    def get_config(self):
        config = super().get_config()
        config["max_samples"] = self.max_samples
        return config

"""Improved precision and recall (k-nearest-neighbour manifolds)."""

from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register
from keras_aegan.src.metrics.base import BufferedFeatureMetric
from keras_aegan.src.metrics.base import at_least
from keras_aegan.src.metrics.base import blocks
from keras_aegan.src.metrics.base import matmul


def _squared_distances(a, b):
    """Pairwise squared Euclidean distances, clipped at 0 (round-off)."""
    squared = (ops.sum(ops.square(a), axis=1)[:, None]
               - 2.0 * matmul(a, ops.transpose(b))
               + ops.sum(ops.square(b), axis=1)[None, :])
    return at_least(squared, 0.0)


def _smallest(values, k):
    """The `k` smallest values of each row, ascending."""
    return -ops.top_k(-values, k, sorted=True)[0]


@register
class PrecisionRecall(BufferedFeatureMetric):
    """Improved precision and recall of generated vs. real features.

    Kynkäänniemi et al. (2019) estimate each set's manifold as the union of
    balls around its samples, each with the radius of the distance to its
    `k`-th nearest neighbour in the same set (the sample itself excluded).
    `result()` returns a dict:

    - `precision`: the fraction of generated samples inside the real
      manifold (within the radius of at least one real sample; a distance
      equal to the radius counts as inside): sample quality;
    - `recall`: the fraction of real samples inside the generated manifold:
      how much of the real distribution is covered.

    With `feature_extractor=None` the flattened samples are the features;
    the paper uses VGG-16 features and `k = 3`. Both values depend on the
    feature extractor, `k` and the number of samples (more samples make
    smaller balls), so compare them only at equal settings.

    The metric keeps every feature vector: two buffers of `max_samples`
    rows, in float64 where the backend has it (float32 on JAX without
    `jax_enable_x64`; the `state_dtype` attribute). An eager `update_state`
    that would store more than `max_samples` samples of either set raises a
    ValueError and changes nothing; inside a traced function (`jax.jit`,
    `tf.function`) the extra samples are dropped and `result()` is NaN.
    `result()` works on blocks of 1024 rows in `keras.ops.fori_loop`s
    (`O(1024^2)` memory, `O(m^2 + n^2 + m n)` time), so it runs inside
    graphs too. Both values are NaN until each set has more than `k`
    samples.

    Reference: Kynkäänniemi et al., "Improved Precision and Recall Metric
    for Assessing Generative Models", NeurIPS 2019.

    Args:
        feature_extractor: `keras.Model` mapping a batch of samples to a batch
            of features (flattened per sample), or `None` to use the flattened
            samples.
        feature_dim: int, values per sample after feature extraction. Needed
            when `feature_extractor` is `None` or its output shape is unknown.
        k: int, the neighbour whose distance is a sample's radius.
        max_samples: int, the most samples of each set the metric stores.
        name: name of the metric.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> metric = kag.metrics.PrecisionRecall(feature_dim=1, k=1, max_samples=8)
    >>> real = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> generated = np.array([[0.5], [1.5], [9.0], [10.0]])
    >>> metric.update_state(real, generated)
    >>> # Radii (k=1): 1 for every real sample; 1 for every generated one.
    >>> # 0.5 and 1.5 are within 1 of a real sample, 9 and 10 are not; real
    >>> # 0, 1 and 2 are within 1 of 0.5 or 1.5, real 3 is not.
    >>> {k: float(v) for k, v in metric.result().items()}
    {'precision': 0.5, 'recall': 0.75}
    """

    def __init__(self, feature_extractor=None, feature_dim=None, k=3,
                 max_samples=10_000, name="precision_recall", **kwargs):
        k = validation.check_positive_int("PrecisionRecall", "k", k)
        if validation.is_int(max_samples) and k >= max_samples:
            raise ValueError(
                f"PrecisionRecall needs k < max_samples, got k={k} and "
                f"max_samples={max_samples}. Raise max_samples.")
        super().__init__(feature_extractor, feature_dim,
                         max_samples=max_samples, name=name, min_block=k,
                         **kwargs)
        self.k = k

    def _radii(self, features, count):
        """Squared `k`-NN radius of each stored row (`inf` past `count`)."""
        block, k = self._block, self.k
        offsets = ops.arange(block)

        def over_rows(i, radii):
            rows = self._block_rows(features, i)
            row_ids = i * block + offsets

            def over_columns(j, best):
                distances = _squared_distances(
                    rows, self._block_rows(features, j))
                column_ids = j * block + offsets
                excluded = ops.logical_or(
                    column_ids[None, :] >= count,
                    row_ids[:, None] == column_ids[None, :])
                distances = ops.where(excluded, float("inf"), distances)
                merged = ops.concatenate(
                    [best, _smallest(distances, k)], axis=1)
                return _smallest(merged, k)

            best = ops.fori_loop(
                0, blocks(count, block), over_columns,
                ops.full((block, k), float("inf"), dtype=self.state_dtype))
            return ops.slice_update(radii, (i * block,), best[:, k - 1])

        return ops.fori_loop(
            0, blocks(count, block), over_rows,
            ops.full((self._capacity,), float("inf"), dtype=self.state_dtype))

    def _fraction_inside(self, queries, count_q, reference, count_ref,
                         radii):
        """Fraction of the `count_q` queries within a reference sample's
        radius."""
        block = self._block

        def over_rows(i, total):
            rows = self._block_rows(queries, i)

            def over_columns(j, hit):
                distances = _squared_distances(
                    rows, self._block_rows(reference, j))
                radius = ops.slice(radii, (j * block,), (block,))
                inside = ops.logical_and(distances <= radius[None, :],
                                         self._block_mask(j, count_ref)[None])
                return ops.logical_or(hit, ops.any(inside, axis=1))

            hit = ops.fori_loop(0, blocks(count_ref, block), over_columns,
                                ops.zeros((block,), dtype="bool"))
            hit = ops.logical_and(hit, self._block_mask(i, count_q))
            # (`sum` of int32 is int64 in JAX with x64: cast back.)
            return total + ops.cast(ops.sum(ops.cast(hit, "int32")), "int32")

        inside = ops.fori_loop(0, blocks(count_q, block), over_rows,
                               ops.zeros((), dtype="int32"))
        return (ops.cast(inside, self.state_dtype)
                / ops.cast(ops.maximum(count_q, 1), self.state_dtype))

    def result(self):
        count_r, count_g = self._stored()
        valid = self._valid(count_r, count_g, self.k + 1)
        count_r = ops.minimum(count_r, self.max_samples)
        count_g = ops.minimum(count_g, self.max_samples)
        real = self.real_features.value
        generated = self.generated_features.value
        precision = self._fraction_inside(
            generated, count_g, real, count_r, self._radii(real, count_r))
        recall = self._fraction_inside(
            real, count_r, generated, count_g,
            self._radii(generated, count_g))
        nan = float("nan")
        return {"precision": ops.where(valid, precision, nan),
                "recall": ops.where(valid, recall, nan)}

    def get_config(self):
        config = super().get_config()
        config["k"] = self.k
        return config

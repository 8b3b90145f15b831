"""Kernel distance (KID): unbiased MMD² with a cubic polynomial kernel."""

from keras import ops

from keras_aegan.src.api_export import register
from keras_aegan.src.metrics.base import BufferedFeatureMetric
from keras_aegan.src.metrics.base import at_least
from keras_aegan.src.metrics.base import blocks
from keras_aegan.src.metrics.base import matmul


@register
class KernelDistance(BufferedFeatureMetric):
    """Kernel distance (KID): unbiased MMD² of real vs. generated features.

    With `feature_extractor=kag.metrics.fid_inception_extractor(PATH)` (or
    `inception_feature_extractor(...)`) this is the KID of Bińkowski et al.
    (2018): the unbiased estimate of the squared maximum mean discrepancy
    with the polynomial kernel
    `k(x, y) = (x·y / d + 1)^3` (`d` the feature dimension):

    `sum_{i!=j} k(x_i, x_j) / (m (m-1)) + sum_{i!=j} k(y_i, y_j) / (n (n-1))
    - 2 sum_{i,j} k(x_i, y_j) / (m n)`

    over *all* `m` real and `n` generated samples seen. (The paper averages
    this same unbiased estimate over random subsets of 1000 samples; the
    expectation is the same and the full estimate has less variance, but
    the value can be slightly negative when the sets match.)

    MMD² has no streaming sufficient statistics, so the metric keeps every
    feature vector: two buffers of `max_samples` rows, in float64 where the
    backend has it (float32 on JAX without `jax_enable_x64`; the
    `state_dtype` attribute), i.e. `2 x max_samples x d` floats (160 MB for
    10 000 Inception features in float64). An eager `update_state` that
    would store more than `max_samples` samples of either set raises a
    ValueError and changes nothing; inside a traced function
    (`jax.jit`, `tf.function`) the extra samples are dropped and `result()`
    is NaN. Nothing is ever truncated silently. `result()` sums the kernel
    over blocks of 1024 rows in `keras.ops.fori_loop`s, so it runs inside
    graphs too and needs `O(1024^2)` memory; in each pair of blocks the
    four terms are combined element by element before summing, so that a
    KID near 0 keeps its digits in float32 (4e-6 from 2048-d features:
    within 0.4% of float64; one sum per term was 8% off). It is NaN until
    each set has at least 2 samples.

    Reference: Bińkowski et al., "Demystifying MMD GANs", ICLR 2018.

    Args:
        feature_extractor: `keras.Model` mapping a batch of samples to a batch
            of features (flattened per sample), or `None` to use the flattened
            samples.
        feature_dim: int, values per sample after feature extraction. Needed
            when `feature_extractor` is `None` or its output shape is unknown.
        max_samples: int, the most samples of each set the metric stores.
        name: name of the metric.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> metric = kag.metrics.KernelDistance(feature_dim=1, max_samples=100)
    >>> metric.update_state(np.array([[0.0], [1.0]]), np.array([[2.0], [3.0]]))
    >>> # k(0,1) = 1, k(2,3) = 343, cross terms 1 + 1 + 27 + 64 = 93:
    >>> round(float(metric.result()), 4)  # 2/2 + 686/2 - 2 * 93/4
    297.5
    """

    def __init__(self, feature_extractor=None, feature_dim=None,
                 max_samples=10_000, name="kernel_distance", **kwargs):
        super().__init__(feature_extractor, feature_dim,
                         max_samples=max_samples, name=name, **kwargs)

    @staticmethod
    def _centered_cube(t):
        """`(t + 1)^3 - 1 = t (3 + t (3 + t))`. The kernel's constant term
        adds exactly 1 + 1 - 2 = 0 to the unbiased MMD², so it is left out:
        near 0 (same distributions) the three sums then cancel without it,
        which in float32 is the difference between 8% and 0.1% of a KID of
        4e-6 (2048 features)."""
        return t * (3.0 + t * (3.0 + t))

    def _kernel(self, a, b):
        return self._centered_cube(
            matmul(a, ops.transpose(b)) / self.feature_dim)

    def _mmd(self, real, count_r, generated, count_g):
        """The unbiased MMD², summed over pairs of row blocks. In each pair
        the four kernel blocks (real-real without the diagonal,
        generated-generated likewise, real-generated, generated-real) are
        weighted and added element by element before the block is summed:
        near 0 the terms cancel pair by pair instead of in three large
        totals, which is what keeps float32 close to float64 there."""
        zero = ops.zeros((), self.state_dtype)
        m = at_least(ops.cast(count_r, self.state_dtype), 2.0)
        n = at_least(ops.cast(count_g, self.state_dtype), 2.0)
        weight_r, weight_g = 1.0 / (m * (m - 1.0)), 1.0 / (n * (n - 1.0))
        weight_across = 1.0 / (m * n)
        offsets = ops.arange(self._block)

        def over_rows(i, total):
            real_i = self._block_rows(real, i)
            generated_i = self._block_rows(generated, i)
            real_mask_i = self._block_mask(i, count_r)[:, None]
            generated_mask_i = self._block_mask(i, count_g)[:, None]

            def over_columns(j, total):
                real_j = self._block_rows(real, j)
                generated_j = self._block_rows(generated, j)
                real_mask_j = self._block_mask(j, count_r)[None, :]
                generated_mask_j = self._block_mask(j, count_g)[None, :]
                off_diagonal = (i * self._block + offsets)[:, None] != (
                    j * self._block + offsets)[None, :]

                def term(a, b, mask, weight):
                    return ops.where(mask, weight * self._kernel(a, b), 0.0)

                combined = (
                    term(real_i, real_j, ops.logical_and(
                        ops.logical_and(real_mask_i, real_mask_j),
                        off_diagonal), weight_r)
                    + term(generated_i, generated_j, ops.logical_and(
                        ops.logical_and(generated_mask_i, generated_mask_j),
                        off_diagonal), weight_g)
                    - term(real_i, generated_j, ops.logical_and(
                        real_mask_i, generated_mask_j), weight_across)
                    - term(generated_i, real_j, ops.logical_and(
                        generated_mask_i, real_mask_j), weight_across))
                return total + ops.sum(combined)

            return ops.fori_loop(0, count_blocks, over_columns, total)

        count_blocks = blocks(ops.maximum(count_r, count_g), self._block)
        return ops.fori_loop(0, count_blocks, over_rows, zero)

    def result(self):
        count_r, count_g = self._stored()
        valid = self._valid(count_r, count_g, 2)
        count_r = ops.minimum(count_r, self.max_samples)
        count_g = ops.minimum(count_g, self.max_samples)
        mmd = self._mmd(self.real_features.value, count_r,
                        self.generated_features.value, count_g)
        return ops.where(valid, mmd, float("nan"))

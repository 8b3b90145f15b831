"""Stacked datasets: independent labelled images stacked as channels."""

import numpy as np

from keras_aegan.src import validation


def stacked(x, y, num_samples, channels=3, seed=None):
    """Stacks `channels` independent random images into one (Stacked MNIST).

    Each output sample takes `channels` images drawn independently and
    uniformly from `x` and puts them in its channels, so with `K` classes
    there are `K ** channels` modes (1000 for three digits), all equally
    likely. The mode id of a sample is its labels read as a number in base
    `K`, first channel first (labels 3, 0, 7 give mode 307 for `K = 10`).

    Args:
        x: array `(N, height, width)` or `(N, height, width, 1)` of images.
        y: int array `(N,)` of labels in `[0, K)`.
        num_samples: int >= 1, stacked samples to make.
        channels: int >= 1, images per sample.
        seed: int or `None`, for the random draws.

    Returns:
        `(x_stacked, mode_ids)`: `x_stacked` of shape
        `(num_samples, height, width, channels)` with `x`'s dtype, and
        `mode_ids` int64 `(num_samples,)` in `[0, K ** channels)`.

    Example:

    >>> import keras_aegan as kag
    >>> x, y = kag.datasets.digits()
    >>> xs, modes = kag.datasets.stacked(x, y, 100, seed=0)
    >>> xs.shape, int(modes.max()) < 1000
    ((100, 8, 8, 3), True)
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(
            "stacked() needs single-channel images of shape (N, height, "
            f"width) or (N, height, width, 1); got x of shape {x.shape}."
        )
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"stacked() needs integer labels y of shape ({len(x)},) matching "
            f"x; got y of shape {y.shape} and dtype {y.dtype}."
        )
    if len(x) == 0:
        raise ValueError("stacked() got no images: x is empty.")
    if y.min() < 0:
        raise ValueError(f"Labels must be >= 0, got a minimum of {y.min()}.")
    num_samples = validation.check_int("stacked()", "num_samples",
                                       num_samples, 1)
    channels = validation.check_int("stacked()", "channels", channels, 1)
    num_classes = int(y.max()) + 1
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(x), size=(num_samples, channels))
    x_stacked = np.stack([x[picks[:, c]] for c in range(channels)], axis=-1)
    mode_ids = np.zeros(num_samples, dtype=np.int64)
    for c in range(channels):
        mode_ids = mode_ids * num_classes + y[picks[:, c]]
    return x_stacked, mode_ids

"""scikit-learn's bundled 8×8 digits, ready for a GAN."""

import numpy as np


def digits():
    """Loads scikit-learn's bundled digits (offline) scaled to [-1, 1].

    1797 grayscale 8×8 images of the digits 0-9 (UCI optdigits test set),
    shipped inside scikit-learn, so no download is needed.

    Returns:
        `(x, y)`: `x` float32 of shape `(1797, 8, 8, 1)` in [-1, 1], `y` int
        labels of shape `(1797,)`.

    Example:

    >>> import keras_aegan as kag
    >>> x, y = kag.datasets.digits()
    >>> x.shape, float(x.min()), float(x.max())
    ((1797, 8, 8, 1), -1.0, 1.0)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            "kag.datasets.digits() needs scikit-learn: "
            "pip install scikit-learn (or keras-aegan[data])."
        ) from e
    data = load_digits()
    # Pixel intensities are 0..16.
    x = data.images.astype("float32") / 8.0 - 1.0
    return x[..., None], data.target.astype(np.int64)

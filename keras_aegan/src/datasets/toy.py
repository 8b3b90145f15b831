"""Synthetic 2-D mixtures of Gaussians (Unrolled GAN / VEEGAN / PacGAN)."""

import numpy as np

from keras_aegan.src import validation


def _sample_mixture(centers, num_samples, std, seed):
    rng = np.random.default_rng(seed)
    modes = rng.integers(0, len(centers), size=num_samples)
    noise = rng.normal(0.0, std, size=(num_samples, centers.shape[1]))
    return (centers[modes] + noise).astype("float32")


def ring_centers(num_modes=8, radius=1.0):
    """Means of the ring mixture: `radius * (cos 2πk/K, sin 2πk/K)`."""
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
            ).astype("float32")


def grid_centers(side=5, spacing=2.0):
    """Means of the grid mixture: a `side × side` grid centred on 0."""
    coords = (np.arange(side) - (side - 1) / 2.0) * spacing
    xx, yy = np.meshgrid(coords, coords, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype("float32")


def ring(num_samples, num_modes=8, radius=1.0, std=0.01, seed=None):
    """Samples the ring of Gaussians: `num_modes` equal-weight modes.

    The means are `radius * (cos 2πk/K, sin 2πk/K)` for `k = 0..K-1` (K
    distinct means; `linspace(0, 2π, K)` would repeat one).

    Args:
        num_samples: int, number of samples.
        num_modes: int, number of Gaussians K.
        radius: float, radius of the circle of means.
        std: float, standard deviation of each Gaussian.
        seed: int or `None`.

    Returns:
        `(x, centers)`: float32 arrays of shape `(num_samples, 2)` and
        `(num_modes, 2)`.

    Example:

    >>> import keras_aegan as kag
    >>> x, centers = kag.datasets.ring(1000, seed=0)
    >>> x.shape, centers.shape
    ((1000, 2), (8, 2))
    """
    owner = "ring()"
    num_samples = validation.check_int(owner, "num_samples", num_samples, 1)
    num_modes = validation.check_int(owner, "num_modes", num_modes, 1)
    radius = validation.check_float(owner, "radius", radius, 0)
    std = validation.check_float(owner, "std", std, 0)
    centers = ring_centers(num_modes, radius)
    return _sample_mixture(centers, num_samples, std, seed), centers


def grid(num_samples, side=5, spacing=2.0, std=0.05, seed=None):
    """Samples the grid of Gaussians: `side²` equal-weight modes.

    With the defaults the means are `{-4, -2, 0, 2, 4}²` (25 modes).

    Args:
        num_samples: int, number of samples.
        side: int, modes per side.
        spacing: float, distance between neighbouring means.
        std: float, standard deviation of each Gaussian.
        seed: int or `None`.

    Returns:
        `(x, centers)`: float32 arrays of shape `(num_samples, 2)` and
        `(side**2, 2)`.

    Example:

    >>> import keras_aegan as kag
    >>> x, centers = kag.datasets.grid(1000, seed=0)
    >>> float(centers.min()), float(centers.max())
    (-4.0, 4.0)
    """
    owner = "grid()"
    num_samples = validation.check_int(owner, "num_samples", num_samples, 1)
    side = validation.check_int(owner, "side", side, 1)
    spacing = validation.check_float(owner, "spacing", spacing, 0)
    std = validation.check_float(owner, "std", std, 0)
    centers = grid_centers(side, spacing)
    return _sample_mixture(centers, num_samples, std, seed), centers

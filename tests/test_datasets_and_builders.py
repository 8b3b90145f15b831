import numpy as np
import pytest

import keras_aegan as kag


def test_ring_has_distinct_means_and_equal_weights():
    x, centers = kag.datasets.ring(8000, seed=0)
    assert x.shape == (8000, 2) and x.dtype == np.float32
    assert len(np.unique(np.round(centers, 6), axis=0)) == 8
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 1.0, rtol=1e-6)
    nearest = np.argmin(((x[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    counts = np.bincount(nearest, minlength=8)
    assert counts.min() > 800
    assert np.abs(x - centers[nearest]).max() < 0.1
    np.testing.assert_array_equal(kag.datasets.ring(10, seed=1)[0],
                                  kag.datasets.ring(10, seed=1)[0])


def test_grid_means():
    x, centers = kag.datasets.grid(1000, seed=0)
    assert centers.shape == (25, 2)
    assert sorted(set(centers[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    assert x.shape == (1000, 2)


@pytest.mark.parametrize("fn, kwargs", [
    (kag.datasets.ring, {"num_samples": 0}),
    (kag.datasets.ring, {"num_samples": 10, "std": -1.0}),
    (kag.datasets.grid, {"num_samples": 10, "side": 0}),
])
def test_bad_dataset_arguments(fn, kwargs):
    with pytest.raises(ValueError):
        fn(**kwargs)


def test_digits():
    x, y = kag.datasets.digits()
    assert x.shape == (1797, 8, 8, 1) and x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_mlp_gan_shapes():
    nets = kag.models.mlp_gan((8, 8, 1), 6, hidden_units=(16,))
    assert nets.generator.output_shape == (None, 8, 8, 1)
    assert nets.discriminator.output_shape == (None, 1)
    assert nets.autoencoder.output_shape == (None, 8, 8, 1)
    assert nets.encoder.output_shape == (None, 6)
    with pytest.raises(ValueError, match="latent_dim"):
        kag.models.mlp_gan(2, 0)
    with pytest.raises(TypeError, match="data_dim"):
        kag.models.mlp_gan("2", 4)

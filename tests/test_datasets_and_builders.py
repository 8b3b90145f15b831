import keras
import numpy as np
import pytest

import keras_aegan as kag

# The datasets are NumPy (and scikit-learn) code, and dcgan() checks its
# arguments before it builds a layer: those tests are marked
# backend_independent (`make test` runs them on one backend).


@pytest.mark.backend_independent
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


@pytest.mark.backend_independent
def test_grid_means():
    x, centers = kag.datasets.grid(1000, seed=0)
    assert centers.shape == (25, 2)
    assert sorted(set(centers[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    assert x.shape == (1000, 2)


@pytest.mark.backend_independent
@pytest.mark.parametrize("fn, kwargs", [
    (kag.datasets.ring, {"num_samples": 0}),
    (kag.datasets.ring, {"num_samples": 10, "std": -1.0}),
    (kag.datasets.grid, {"num_samples": 10, "side": 0}),
])
def test_bad_dataset_arguments(fn, kwargs):
    with pytest.raises(ValueError):
        fn(**kwargs)


@pytest.mark.backend_independent
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


@pytest.mark.backend_independent
def test_stacked_digits_modes_match_channels():
    x, y = kag.datasets.digits()
    xs, modes = kag.datasets.stacked(x, y, 3000, seed=0)
    assert xs.shape == (3000, 8, 8, 3) and xs.dtype == np.float32
    assert modes.dtype == np.int64 and 0 <= modes.min() and modes.max() < 1000
    # Each channel is one of the real images; its label is the mode's digit.
    lookup = {x[i, ..., 0].tobytes(): y[i] for i in range(len(x))}
    for i in range(20):
        digits = [lookup[xs[i, ..., c].tobytes()] for c in range(3)]
        assert modes[i] == digits[0] * 100 + digits[1] * 10 + digits[2]
    # Independent uniform draws: most of the 1000 modes appear.
    assert len(np.unique(modes)) > 900
    np.testing.assert_array_equal(
        kag.datasets.stacked(x, y, 5, seed=1)[1],
        kag.datasets.stacked(x, y, 5, seed=1)[1])


@pytest.mark.backend_independent
@pytest.mark.parametrize("args, match", [
    ((np.zeros((4, 8, 8, 3)), np.zeros(4, int), 2), "single-channel"),
    ((np.zeros((4, 8, 8)), np.zeros(3, int), 2), "labels"),
    ((np.zeros((4, 8, 8)), np.zeros(4), 2), "integer"),
    ((np.zeros((4, 8, 8)), np.zeros(4, int), 0), "num_samples"),
])
def test_stacked_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        kag.datasets.stacked(*args)


@pytest.mark.parametrize("side", [8, 16, 32, 64])
def test_dcgan_shapes(side):
    nets = kag.models.dcgan((side, side, 3), 16, filters=8,
                            spectral_normalization=(side == 16))
    assert nets.generator.output_shape == (None, side, side, 3)
    assert nets.discriminator.output_shape == (None, 1)
    assert nets.autoencoder.output_shape == (None, side, side, 3)
    assert nets.encoder.output_shape == (None, 16)
    z = np.random.default_rng(0).normal(size=(2, 16)).astype("float32")
    images = keras.ops.convert_to_numpy(nets.generator(z))
    assert images.shape == (2, side, side, 3) and np.abs(images).max() <= 1


def test_dcgan_trains_in_stabilized_gan():
    nets = kag.models.dcgan((8, 8, 1), 8, filters=8)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
                            autoencoder=nets.autoencoder, encoder=nets.encoder,
                            seed=0)
    gan.compile(consistency_loss=["manifold", "data"])
    before = [np.array(keras.ops.convert_to_numpy(v))
              for v in nets.generator.trainable_variables]
    x, _ = kag.datasets.digits()
    history = gan.fit(x[:128], batch_size=32, epochs=1, verbose=0)
    after = [keras.ops.convert_to_numpy(v)
             for v in nets.generator.trainable_variables]
    assert any(not np.allclose(a, b)
               for a, b in zip(before, after, strict=True))
    assert np.isfinite(history.history["g_loss"][-1])


def test_mlp_gan_discriminator_options():
    x = np.zeros((8, 2), "float32")
    packed = kag.models.mlp_gan(2, 4, hidden_units=(8,), num_packed=4)
    assert isinstance(packed.discriminator.layers[1], kag.layers.PackSamples)
    assert tuple(packed.discriminator(x).shape) == (2, 1)
    spectral = kag.models.mlp_gan(2, 4, hidden_units=(8,),
                                  spectral_normalization=True)
    assert all(isinstance(layer, keras.layers.SpectralNormalization)
               for layer in spectral.discriminator.layers[1:])
    energy = kag.models.mlp_gan(2, 4, hidden_units=(8,),
                                autoencoder_discriminator=True)
    assert isinstance(energy.discriminator,
                      kag.models.AutoencoderDiscriminator)
    assert tuple(energy.discriminator(x).shape) == (8, 1)
    with pytest.raises(ValueError, match="do not combine"):
        kag.models.mlp_gan(2, 4, num_packed=2, autoencoder_discriminator=True)


def test_dcgan_autoencoder_discriminator_trains_with_began():
    nets = kag.models.dcgan((8, 8, 1), 8, filters=8,
                            autoencoder_discriminator=True)
    assert isinstance(nets.discriminator, kag.models.AutoencoderDiscriminator)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(adversarial_loss="began", consistency_loss=None)
    gan.balance.assign(0.5)
    x, _ = kag.datasets.digits()
    history = gan.fit(x[:128], batch_size=32, epochs=2, verbose=0)
    assert np.isfinite(history.history["convergence"]).all()
    assert float(keras.ops.convert_to_numpy(gan.balance)) != 0.5


@pytest.mark.backend_independent
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 16, 3), (8, 8)])
def test_dcgan_rejects_unsupported_shapes(shape):
    with pytest.raises(ValueError, match="image_shape|square"):
        kag.models.dcgan(shape, 8)

"""The ReconstructionConsistency layer: alone, in Keras models, and inside
a StabilizedGAN generator, on every backend."""

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import LATENT_DIM
from conftest import moved
from conftest import weights_of


def zero_autoencoder(dim=2):
    """Q(x) = 0, so the added loss is weight * mean(x²)."""
    autoencoder = keras.Sequential([keras.Input((dim,)),
                                    keras.layers.Dense(dim)])
    autoencoder.set_weights([np.zeros((dim, dim), "float32"),
                             np.zeros((dim,), "float32")])
    return autoencoder


def loss_values(layer):
    return [float(keras.ops.convert_to_numpy(v)) for v in layer.losses]


def test_forward_is_identity_and_loss_is_computed_by_hand():
    layer = kag.layers.ReconstructionConsistency(zero_autoencoder(),
                                                 weight=0.5, distance="l2")
    x = np.array([[1.0, 3.0], [2.0, 0.0]], "float32")
    y = layer(x, training=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(y), x)
    # per-sample mean squares (1 + 9) / 2 = 5 and 4 / 2 = 2; mean 3.5
    np.testing.assert_allclose(loss_values(layer), [0.5 * 3.5], rtol=1e-6)
    layer(x, training=False)
    assert layer.losses == []

    l1 = kag.layers.ReconstructionConsistency(zero_autoencoder(),
                                              distance="l1")
    l1(x, training=True)
    np.testing.assert_allclose(loss_values(l1), [(2.0 + 1.0) / 2], rtol=1e-6)


def test_symbolic_call_config_and_saving(tmp_path):
    layer = kag.layers.ReconstructionConsistency(zero_autoencoder(),
                                                 weight=0.25, distance="huber")
    symbolic = layer(keras.Input((2,)))
    assert tuple(symbolic.shape) == (None, 2)
    clone = kag.layers.ReconstructionConsistency.from_config(
        layer.get_config())
    assert (clone.weight, clone.distance) == (0.25, "huber")

    inputs = keras.Input((2,))
    model = keras.Model(inputs, layer(keras.layers.Dense(2)(inputs)))
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)),
                               keras.ops.convert_to_numpy(model(x)),
                               rtol=1e-6)
    restored = loaded.layers[-1]
    assert isinstance(restored, kag.layers.ReconstructionConsistency)
    assert restored.weight == 0.25
    for a, b in zip(weights_of(restored.autoencoder),
                    weights_of(layer.autoencoder), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_a_plain_keras_model_pulls_outputs_to_the_autoencoder():
    # Target far from 0, autoencoder fixed at Q = 0: the layer's term pulls
    # the outputs towards 0, so with the layer they end up smaller.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 2)).astype("float32")
    y = np.full((256, 2), 2.0, "float32")
    means = {}
    for weight in (0.0, 3.0):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((2,))
        layer = kag.layers.ReconstructionConsistency(zero_autoencoder(),
                                                     weight=weight)
        outputs = layer(keras.layers.Dense(2)(inputs))
        model = keras.Model(inputs, outputs)
        model.compile(keras.optimizers.Adam(0.05), loss="mse")
        history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        means[weight] = float(np.mean(keras.ops.convert_to_numpy(model(x))))
    # mse + 3 * mean(out²) is smallest at out = 2 / (1 + 3) = 0.5.
    assert means[0.0] > 1.5
    assert means[3.0] < 1.0


def test_mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        inputs = keras.Input((2,))
        autoencoder = keras.Sequential([keras.Input((2,)),
                                        keras.layers.Dense(2)])
        layer = kag.layers.ReconstructionConsistency(autoencoder)
        hidden = keras.layers.Dense(2)(inputs)
        model = keras.Model(inputs, layer(hidden))
        x = np.ones((4, 2), "float32")
        assert keras.backend.standardize_dtype(model(x).dtype) == "bfloat16"
        model.compile("adam", loss="mse")
        history = model.fit(x, x, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def gan_with_layer(weight=1.0, seed=0):
    keras.utils.set_random_seed(seed)
    nets = kag.models.mlp_gan(2, LATENT_DIM, hidden_units=(16, 16))
    z = keras.Input((LATENT_DIM,))
    layer = kag.layers.ReconstructionConsistency(nets.autoencoder,
                                                 weight=weight)
    generator = keras.Model(z, layer(nets.generator(z)))
    gan = kag.StabilizedGAN(generator, nets.discriminator, seed=seed)
    return gan, nets.autoencoder


def test_stabilized_gan_trains_the_layer_autoencoder_on_real_data(
        ring_data, tmp_path):
    gan, autoencoder = gan_with_layer()
    gan.compile(consistency_loss=None)
    before = weights_of(autoencoder)
    history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "ae_loss", "gp_loss"}
    # The autoencoder learned the real data (with the autoencoder
    # optimizer, not the generator's).
    assert moved(before, autoencoder)
    assert history.history["ae_loss"][-1] < history.history["ae_loss"][0]
    assert int(gan.autoencoder_optimizer.iterations) == 24
    gan_ids = {id(v) for v in gan.optimizer.member_variables("generator")}
    assert not gan_ids & {id(v) for v in autoencoder.trainable_variables}

    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.generate(8, seed=0),
                               gan.generate(8, seed=0), rtol=1e-5, atol=1e-6)
    loaded.fit(ring_data, batch_size=64, epochs=1, verbose=0)


def test_the_layer_loss_is_part_of_g_loss(ring_data):
    # Same seeds; the only difference is the layer's weight, so any change
    # in the first g_loss comes from the added loss.
    g_losses = {}
    for weight in (0.0, 100.0):
        gan, _ = gan_with_layer(weight=weight)
        gan.compile(consistency_loss=None)
        history = gan.fit(ring_data[:64], batch_size=64, epochs=1, verbose=0)
        g_losses[weight] = history.history["g_loss"][0]
    assert g_losses[100.0] > g_losses[0.0] + 1.0


def test_bad_arguments():
    with pytest.raises(TypeError, match="`autoencoder` must be a keras.Model"):
        kag.layers.ReconstructionConsistency("autoencoder")
    with pytest.raises(ValueError, match="`weight` must be >= 0"):
        kag.layers.ReconstructionConsistency(zero_autoencoder(), weight=-1)
    with pytest.raises(TypeError, match="`weight` must be a number"):
        kag.layers.ReconstructionConsistency(zero_autoencoder(), weight="1")
    with pytest.raises(ValueError, match="unknown distance"):
        kag.layers.ReconstructionConsistency(zero_autoencoder(),
                                             distance="cosine")

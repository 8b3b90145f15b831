"""Saving: networks, every optimizer's state and the latent seed."""

import keras
import numpy as np

import keras_aegan as kag
from conftest import optimizer_state
from conftest import tiny_gan
from conftest import weights_of


def trained_gan(ring_data, kinds=("manifold", "data")):
    gan = tiny_gan()
    gan.compile(consistency_loss=list(kinds), discriminator_steps=2,
                generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    gan.fit(ring_data, batch_size=128, epochs=2, verbose=0)
    return gan


def test_save_and_load_model_restores_everything(ring_data, tmp_path):
    gan = trained_gan(ring_data)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)

    assert isinstance(loaded, kag.StabilizedGAN)
    assert loaded.compiled
    np.testing.assert_array_equal(loaded.generate(16, seed=5),
                                  gan.generate(16, seed=5))
    for name in ("generator", "discriminator", "autoencoder", "encoder"):
        for a, b in zip(weights_of(getattr(gan, name)),
                        weights_of(getattr(loaded, name)), strict=True):
            np.testing.assert_array_equal(a, b)
    for name in ("generator_optimizer", "discriminator_optimizer",
                 "autoencoder_optimizer"):
        original, restored = getattr(gan, name), getattr(loaded, name)
        assert type(original) is type(restored)
        assert int(restored.iterations) == int(original.iterations) > 0
        for a, b in zip(optimizer_state(original), optimizer_state(restored),
                        strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(
            loaded.generator_optimizer.learning_rate)), 1e-3)
    assert loaded.discriminator_steps == 2
    assert [c.kind for c in loaded.consistency_losses] == ["manifold", "data"]
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.seed_generator.state),
        keras.ops.convert_to_numpy(gan.seed_generator.state))

    # The loaded model continues training exactly like the original.
    history_a = gan.fit(ring_data, batch_size=128, epochs=1, verbose=0,
                        shuffle=False)
    history_b = loaded.fit(ring_data, batch_size=128, epochs=1, verbose=0,
                           shuffle=False)
    for key in history_a.history:
        np.testing.assert_allclose(history_a.history[key],
                                   history_b.history[key], rtol=1e-5)
    assert int(loaded.discriminator_optimizer.iterations) == 24


def test_save_weights_includes_every_optimizer(ring_data, tmp_path):
    gan = trained_gan(ring_data)
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    expected = {name: optimizer_state(getattr(gan, name)) for name in
                ("generator_optimizer", "discriminator_optimizer",
                 "autoencoder_optimizer")}
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    gan.load_weights(path)
    for name, state in expected.items():
        for a, b in zip(state, optimizer_state(getattr(gan, name)),
                        strict=True):
            np.testing.assert_array_equal(a, b)


def test_config_round_trip():
    gan = tiny_gan()
    gan.compile(consistency_loss=[
        kag.losses.ReconstructionConsistencyLoss("latent", "l1", weight=0.5)])
    config = gan.get_config()
    clone = kag.StabilizedGAN.from_config(config)
    assert clone.latent_dim == gan.latent_dim and clone.seed == gan.seed
    clone.compile_from_config(gan.get_compile_config())
    (term,) = clone.consistency_losses
    assert (term.kind, term.distance, term.weight) == ("latent", "l1", 0.5)
    assert clone.encoder.output_shape == gan.encoder.output_shape

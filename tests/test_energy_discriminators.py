"""AutoencoderDiscriminator with EBGAN and BEGAN, in real fits."""

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import LATENT_DIM
from conftest import moved
from conftest import weights_of


def energy_gan(seed=0):
    keras.utils.set_random_seed(seed)
    nets = kag.models.mlp_gan(2, LATENT_DIM, hidden_units=(16, 16),
                              autoencoder_discriminator=True)
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=seed)


def test_autoencoder_discriminator_energy_by_hand(tmp_path):
    encoder = keras.Sequential([keras.Input((2,)),
                                keras.layers.Dense(1, use_bias=False)])
    decoder = keras.Sequential([keras.Input((1,)),
                                keras.layers.Dense(2, use_bias=False)])
    encoder.set_weights([np.array([[1.0], [0.0]], "float32")])
    decoder.set_weights([np.array([[1.0, 0.0]], "float32")])
    disc = kag.models.AutoencoderDiscriminator(encoder, decoder, distance="l1")
    # x -> (x0, 0): energy = |x1| / 2; codes = x0
    x = np.array([[3.0, 1.0], [0.0, -4.0]], "float32")
    energy, codes = disc.energy_and_codes(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(energy),
                               [[0.5], [2.0]])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(codes),
                               [[3.0], [0.0]])

    symbolic = disc(keras.Input((2,)))
    assert tuple(symbolic.shape) == (None, 1)
    model = keras.Sequential([keras.Input((2,)), disc])
    path = str(tmp_path / "disc.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)),
                               [[0.5], [2.0]])
    assert loaded.layers[0].distance == "l1"


def test_autoencoder_discriminator_bad_arguments():
    dense = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with pytest.raises(TypeError, match="`decoder` must be a keras.Model"):
        kag.models.AutoencoderDiscriminator(dense, "decoder")
    with pytest.raises(ValueError, match="unknown distance 'l3'"):
        kag.models.AutoencoderDiscriminator(dense, dense, distance="l3")
    wrong = kag.models.AutoencoderDiscriminator(
        dense, keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)]))
    with pytest.raises(ValueError, match="give back the input's shape"):
        wrong(np.zeros((2, 2), "float32"))


def test_ebgan_fit_trains_both_networks(ring_data):
    gan = energy_gan()
    gan.compile(adversarial_loss=kag.losses.EBGANLoss(margin=0.5,
                                                      pullaway_weight=0.1),
                consistency_loss=None)
    # An energy objective has no recommended penalty.
    assert gan.gradient_penalty is None
    before_g, before_d = weights_of(gan.generator), weights_of(
        gan.discriminator)
    energy_before = keras.ops.convert_to_numpy(gan.discriminator(ring_data))
    history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert np.isfinite(history.history["d_loss"]).all()
    assert np.isfinite(history.history["g_loss"]).all()
    assert moved(before_g, gan.generator)
    assert moved(before_d, gan.discriminator)
    # The discriminator learns lower energy on real data.
    energy = keras.ops.convert_to_numpy(gan.discriminator(ring_data))
    assert energy.mean() < 0.8 * energy_before.mean()


def test_began_balance_is_trained_logged_saved_and_restored(ring_data,
                                                            tmp_path):
    gan = energy_gan()
    gan.compile(adversarial_loss=kag.losses.BEGANLoss(gamma=0.5,
                                                      lambda_k=0.05),
                consistency_loss="manifold")
    gan.balance.assign(0.5)
    history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "ae_loss",
                                    "consistency_loss", "convergence",
                                    "balance"}
    balance = float(keras.ops.convert_to_numpy(gan.balance))
    # k_t moved inside the compiled (for JAX: stateless) step, and the log
    # reports its value at the end of the epoch.
    assert balance != 0.5 and 0.0 <= balance <= 1.0
    assert history.history["balance"][-1] == pytest.approx(balance)
    assert np.isfinite(history.history["convergence"]).all()

    path = str(tmp_path / "began.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.adversarial_loss, kag.losses.BEGANLoss)
    assert loaded.adversarial_loss.lambda_k == 0.05
    assert float(keras.ops.convert_to_numpy(loaded.balance)) == balance
    unloaded = keras.saving.load_model(path, compile=False)
    assert float(keras.ops.convert_to_numpy(unloaded.balance)) == balance
    # Training goes on from the restored k_t.
    loaded.fit(ring_data, batch_size=64, epochs=1, verbose=0)
    assert float(keras.ops.convert_to_numpy(loaded.balance)) != balance


def test_began_evaluate_leaves_the_balance_alone(ring_data):
    gan = energy_gan()
    gan.compile(adversarial_loss="began", consistency_loss=None)
    gan.balance.assign(0.25)
    logs = gan.evaluate(ring_data, batch_size=128, verbose=0,
                        return_dict=True)
    assert {"convergence", "balance"} <= set(logs)
    assert float(keras.ops.convert_to_numpy(gan.balance)) == 0.25

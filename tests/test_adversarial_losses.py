"""The adversarial losses: values by hand, serialization, a real fit each."""

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import moved
from conftest import tiny_gan
from conftest import weights_of

REAL = np.array([[2.0], [-1.0]], "float32")
FAKE = np.array([[0.5], [-3.0]], "float32")


def softplus(x):
    return np.log1p(np.exp(x))


# (string, class, expected D loss, expected G loss), computed by hand.
CASES = [
    ("non_saturating", kag.losses.NonSaturatingLoss,
     np.mean(softplus(-REAL)) + np.mean(softplus(FAKE)),
     np.mean(softplus(-FAKE))),
    ("minimax", kag.losses.MinimaxLoss,
     np.mean(softplus(-REAL)) + np.mean(softplus(FAKE)),
     np.mean(np.log(1.0 - 1.0 / (1.0 + np.exp(-FAKE))))),
    # relu(1 - (2, -1)) = (0, 2); relu(1 + (0.5, -3)) = (1.5, 0)
    ("hinge", kag.losses.HingeLoss, (0 + 2) / 2 + (1.5 + 0) / 2,
     -(0.5 - 3.0) / 2),
    ("wasserstein", kag.losses.WassersteinLoss, (0.5 - 3.0) / 2 - (2 - 1) / 2,
     -(0.5 - 3.0) / 2),
    # ((2-1)², (-1-1)²) = (1, 4); (0.25, 9); G: ((0.5-1)², (-3-1)²) = (.25, 16)
    ("least_squares", kag.losses.LeastSquaresLoss,
     0.5 * ((1 + 4) / 2 + (0.25 + 9) / 2), 0.5 * (0.25 + 16) / 2),
]


@pytest.mark.parametrize("name, cls, d_expected, g_expected", CASES)
def test_logit_losses_by_hand(name, cls, d_expected, g_expected):
    loss = kag.src.losses.adversarial.get(name)
    assert type(loss) is cls
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loss.discriminator_loss(REAL, FAKE)),
        d_expected, rtol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loss.generator_loss(FAKE)), g_expected,
        rtol=1e-5)


def test_energy_losses_by_hand():
    real = np.array([[0.2], [0.4]], "float32")
    fake = np.array([[0.5], [1.5]], "float32")
    ebgan = kag.losses.EBGANLoss(margin=1.0, pullaway_weight=0.5)
    # D: mean(real) + mean(relu(1 - fake)) = 0.3 + (0.5 + 0) / 2
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ebgan.discriminator_loss(real, fake)),
        0.55, rtol=1e-6)
    # Codes (1, 0), (1, 1), (0, 1): cos² = 1/2, 0, 1/2 for the three pairs,
    # each counted twice over the 3 * 2 ordered pairs: f_PT = 2 / 6.
    codes = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], "float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ebgan.generator_loss(fake, codes)),
        1.0 + 0.5 * (2.0 / 6.0), rtol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ebgan.generator_loss(fake)), 1.0)

    began = kag.losses.BEGANLoss(gamma=0.5, lambda_k=0.1)
    # L(x) = 0.3, L(G(z)) = 1.0
    np.testing.assert_allclose(keras.ops.convert_to_numpy(
        began.discriminator_loss(real, fake, balance=0.25)), 0.3 - 0.25,
        rtol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(began.generator_loss(fake)), 1.0, rtol=1e-6)
    # k + 0.1 * (0.5 * 0.3 - 1.0) = 0.2 - 0.085; clipped at 0 and 1
    np.testing.assert_allclose(keras.ops.convert_to_numpy(
        began.next_balance(0.2, real, fake)), 0.115, rtol=1e-5)
    assert float(keras.ops.convert_to_numpy(
        began.next_balance(0.0, real, fake))) == 0.0
    assert float(keras.ops.convert_to_numpy(
        began.next_balance(1.0, fake, real))) == 1.0
    # M_global = 0.3 + |0.15 - 1.0|
    np.testing.assert_allclose(keras.ops.convert_to_numpy(
        began.convergence(real, fake)), 1.15, rtol=1e-5)


@pytest.mark.parametrize("loss", [
    kag.losses.MinimaxLoss(), kag.losses.HingeLoss(),
    kag.losses.WassersteinLoss(), kag.losses.LeastSquaresLoss(),
    kag.losses.EBGANLoss(margin=2.0, pullaway_weight=0.3),
    kag.losses.BEGANLoss(gamma=0.7, lambda_k=0.01)])
def test_adversarial_loss_serialization(loss):
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(loss))
    assert type(clone) is type(loss)
    assert clone.get_config() == loss.get_config()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"margin": 0}, ValueError, "margin"),
    ({"margin": "1"}, TypeError, "margin"),
    ({"pullaway_weight": -1}, ValueError, "pullaway_weight"),
])
def test_ebgan_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        kag.losses.EBGANLoss(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"gamma": 0}, "gamma"), ({"gamma": 1.5}, "gamma"),
    ({"lambda_k": -0.1}, "lambda_k")])
def test_began_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kag.losses.BEGANLoss(**kwargs)


@pytest.mark.parametrize("name", ["minimax", "hinge", "wasserstein",
                                  "least_squares"])
def test_fit_with_each_logit_loss(ring_data, name, tmp_path):
    gan = tiny_gan()
    gan.compile(adversarial_loss=name, consistency_loss=None)
    before = weights_of(gan.generator)
    history = gan.fit(ring_data, batch_size=128, epochs=2, verbose=0)
    assert all(np.isfinite(history.history[k]).all()
               for k in ("d_loss", "g_loss"))
    assert moved(before, gan.generator)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.adversarial_loss) is type(gan.adversarial_loss)


def test_logit_loss_rejects_an_autoencoder_discriminator_and_back():
    nets = kag.models.mlp_gan(2, 4, hidden_units=(8,))
    with pytest.raises(ValueError, match="AutoencoderDiscriminator"):
        gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
        gan.compile(adversarial_loss="began")
    encoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    decoder = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    gan = kag.StabilizedGAN(
        nets.generator, kag.models.AutoencoderDiscriminator(encoder, decoder))
    with pytest.raises(ValueError, match="'ebgan' or 'began'"):
        gan.compile(adversarial_loss="hinge")
    with pytest.raises(ValueError, match="Unknown adversarial_loss"):
        gan.compile(adversarial_loss="wgan")


@pytest.mark.parametrize("penalty", [None, "r1"])
def test_spectral_normalization_discriminator_trains(ring_data, penalty):
    # Keras' SpectralNormalization rewrites its kernel at each training call;
    # the engine runs real and fake through it in one pass (torch would
    # otherwise fail in backward).
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan(2, 4, hidden_units=(16, 16),
                              spectral_normalization=True)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(adversarial_loss="hinge", consistency_loss="recommended",
                gradient_penalty=(kag.regularizers.R1Penalty(1.0)
                                  if penalty else None))
    before_d, before_g = weights_of(gan.discriminator), weights_of(
        gan.generator)
    vectors = [keras.ops.convert_to_numpy(layer.vector_u)
               for layer in gan.discriminator.layers[1:]]
    history = gan.fit(ring_data, batch_size=64, epochs=2, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert moved(before_d, gan.discriminator)
    assert moved(before_g, gan.generator)
    # The power iteration ran in the training step (its vector is state).
    for layer, vector in zip(gan.discriminator.layers[1:], vectors,
                             strict=True):
        assert not np.allclose(keras.ops.convert_to_numpy(layer.vector_u),
                               vector)

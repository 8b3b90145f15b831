"""Bad input gets a clear error, and a failed call leaves the model usable."""

import warnings

import keras
import numpy as np
import pytest
from conftest import LATENT_DIM
from conftest import tiny_gan
from conftest import tiny_nets
from conftest import weights_of

import keras_aegan as kag


def still_trains(gan, ring_data):
    history = gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


def test_fit_before_compile(ring_data):
    gan = tiny_gan()
    with pytest.raises(ValueError, match=r"before compile\(\)"):
        gan.fit(ring_data)
    gan.compile()
    still_trains(gan, ring_data)


@pytest.mark.parametrize(
    "data, error, match",
    [
        (np.zeros((64, 3), "float32"), ValueError, r"shape \(3,\).*\(2,\)"),
        (np.zeros((64, 2), "int32"), TypeError, "floating point"),
        (np.zeros((0, 2), "float32"), ValueError, "empty"),
        (None, ValueError, "needs the real samples"),
        ([np.zeros((4, 2))], TypeError, "one array or dataset"),
    ],
)
def test_bad_data(ring_data, data, error, match):
    gan = tiny_gan()
    gan.compile()
    with pytest.raises(error, match=match):
        gan.fit(data, batch_size=32, verbose=0)
    still_trains(gan, ring_data)


def test_non_finite_data_names_where(ring_data):
    gan = tiny_gan()
    gan.compile()
    bad = ring_data.copy()
    bad[7, 1] = np.nan
    bad[9, 0] = np.inf
    before = weights_of(gan)
    with pytest.raises(ValueError, match=r"2 non-finite.*first at index 7"):
        gan.fit(bad, batch_size=128, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights_of(gan)))
    still_trains(gan, ring_data)


def test_image_shape_hint():
    nets = kag.models.mlp_gan((8, 8, 1), LATENT_DIM, hidden_units=(8,),
                              output_activation="tanh")
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    gan.compile()
    with pytest.raises(ValueError, match=r"x\[\.\.\., None\]"):
        gan.fit(np.zeros((16, 8, 8), "float32"), verbose=0)


def test_range_outside_the_output_activation_warns(ring_data):
    nets = tiny_nets(output_activation="tanh")
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    gan.compile(consistency_loss=None)
    with pytest.warns(UserWarning, match=r"\[-1, 1\]"):
        gan.fit(ring_data * 3.0, batch_size=128, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gan.fit(np.clip(ring_data, -1, 1), batch_size=128, verbose=0)


def test_latent_dim_mismatch():
    nets = tiny_nets()
    with pytest.raises(ValueError, match=r"latent_dim=7 does not match"):
        kag.StabilizedGAN(nets.generator, nets.discriminator, latent_dim=7)


def test_subclassed_generator_needs_latent_dim(ring_data):
    class Generator(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, z):
            return self.dense(z)

    nets = tiny_nets()
    with pytest.raises(ValueError, match="Pass latent_dim"):
        kag.StabilizedGAN(Generator(), nets.discriminator)
    gan = kag.StabilizedGAN(Generator(), nets.discriminator, latent_dim=3)
    gan.compile(consistency_loss="latent")
    still_trains(gan, ring_data)


def test_discriminator_output_must_be_one_logit():
    nets = tiny_nets()
    bad = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"\(batch, 1\) logits.*\(None, 3\)"):
        kag.StabilizedGAN(nets.generator, bad)
    wrong_input = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"input shape \(2,\)"):
        kag.StabilizedGAN(nets.generator, wrong_input)


def test_autoencoder_and_encoder_shapes():
    nets = tiny_nets()
    bad_ae = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="autoencoder must map"):
        kag.StabilizedGAN(nets.generator, nets.discriminator,
                          autoencoder=bad_ae)
    bad_encoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(9)])
    with pytest.raises(ValueError, match=r"encoder must map.*\(batch, 4\)"):
        kag.StabilizedGAN(nets.generator, nets.discriminator,
                          encoder=bad_encoder)


def test_networks_must_be_keras_models():
    nets = tiny_nets()
    with pytest.raises(TypeError, match="`generator` must be a keras.Model"):
        kag.StabilizedGAN(lambda z: z, nets.discriminator)
    with pytest.raises(TypeError, match="`discriminator` must be a keras"):
        kag.StabilizedGAN(nets.generator, "discriminator")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"adversarial_loss": "wgan"}, ValueError, "'non_saturating'"),
        ({"adversarial_loss": 3}, TypeError, "adversarial_loss must be"),
        ({"consistency_loss": "manifolds"}, ValueError,
         "'manifold', 'data', 'latent'"),
        ({"consistency_loss": ["data", "data"]}, ValueError, "more than once"),
        ({"consistency_loss": 1.0}, TypeError, "consistency_loss must be"),
        ({"discriminator_steps": 0}, ValueError, "discriminator_steps"),
        ({"generator_optimizer": "not_an_optimizer"}, ValueError,
         "generator_optimizer"),
        ({"discriminator_optimizer": 0.1}, TypeError,
         "discriminator_optimizer"),
        ({"loss": "mse"}, ValueError, "does not take `loss`"),
        ({"optimizer": "adam"}, ValueError, "does not take `optimizer`"),
        ({"jit_compiled": True}, TypeError, "unexpected argument"),
        ({"gradient_penalty": "r1"}, TypeError, "R1Penalty\\(gamma\\)"),
    ],
)
def test_bad_compile_arguments_keep_the_previous_setup(ring_data, kwargs,
                                                       error, match):
    gan = tiny_gan()
    gan.compile(consistency_loss="manifold")
    optimizer = gan.generator_optimizer
    with pytest.raises(error, match=match):
        gan.compile(**kwargs)
    assert gan.generator_optimizer is optimizer
    assert [c.kind for c in gan.consistency_losses] == ["manifold"]
    still_trains(gan, ring_data)


def test_shared_optimizer_instance():
    gan = tiny_gan()
    adam = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="separate instances"):
        gan.compile(generator_optimizer=adam, discriminator_optimizer=adam)


def test_bad_warmup(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss="data")
    with pytest.raises(ValueError, match="no consistency term uses one"):
        gan.fit(ring_data, autoencoder_warmup_epochs=2, verbose=0)
    with pytest.raises(ValueError, match=">= 0"):
        gan.fit(ring_data, autoencoder_warmup_epochs=-1, verbose=0)
    still_trains(gan, ring_data)


@pytest.mark.parametrize("count, error", [(0, ValueError), (-3, ValueError),
                                          (2.5, TypeError)])
def test_bad_generate_counts(count, error):
    gan = tiny_gan()
    with pytest.raises(error, match="num_samples"):
        gan.generate(count)

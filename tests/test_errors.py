"""Bad input gets a clear error, and a failed call leaves the model usable."""

import warnings

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import LATENT_DIM
from conftest import optimizer_state
from conftest import tiny_gan
from conftest import tiny_nets
from conftest import weights_of


def still_trains(gan, ring_data):
    history = gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


def test_fit_before_compile(ring_data):
    gan = tiny_gan()
    with pytest.raises(ValueError, match=r"before compile\(\)"):
        gan.fit(ring_data)
    gan.compile()
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
    # Keras cannot copy it for the generator's average (no get_config): the
    # default trains on without one and says why; an asked-for decay fails.
    with pytest.raises(ValueError, match=r"generator_ema=0.99.*get_config"):
        gan.compile(consistency_loss="latent", generator_ema=0.99)
    with pytest.warns(UserWarning, match="cannot copy.*generator_ema=None"):
        gan.compile(consistency_loss="latent")
    assert gan.ema_generator is None and gan.ema_decay is None
    # The callback needs a copy too, and says so before training.
    with pytest.raises(ValueError,
                       match=r"GeneratorEMA.*cannot copy.*without the "
                             "GeneratorEMA callback"):
        gan.fit(ring_data, batch_size=64, epochs=1, verbose=0,
                callbacks=[kag.callbacks.GeneratorEMA(decay=0.9)])
    assert gan.ema_generator is None and gan.ema_decay is None
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
    still_trains(gan, ring_data)


# ----------------------------------------------------------------------
# The bad-input matrix: each row is a wrong call across the public API, the
# error it must raise, and a pattern that names the argument (and, where
# there is one, the fix). After every row the model is unchanged and still
# trains.
# ----------------------------------------------------------------------
def _truncated_keras_file(gan, tmp_path):
    path = tmp_path / "gan.keras"
    gan.save(str(path))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return str(path)


def _garbage_keras_file(tmp_path):
    path = tmp_path / "gan.keras"
    path.write_bytes(b"these bytes are not a zip archive")
    return str(path)


def _unknown_class_keras_file(gan, tmp_path):
    import json
    import zipfile

    good, bad = tmp_path / "good.keras", tmp_path / "unknown.keras"
    gan.save(str(good))
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(content)
                config["class_name"] = "LostGAN"
                config["registered_name"] = "lost_package>LostGAN"
                content = json.dumps(config).encode()
            out.writestr(item, content)
    return str(bad)


def _with_nan(x):
    x = x.copy()
    x[3, 0] = np.nan
    return x


def _with_inf(x):
    x = x.copy()
    x[5, 1] = -np.inf
    return x


def _packed_fit(x, batch_size):
    nets = tiny_nets(num_packed=4)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    gan.compile(consistency_loss=None)
    gan.fit(x, batch_size=batch_size, epochs=1, verbose=0)


BAD_INPUTS = {
    # fit(): the data
    "fit-wrong-feature-shape": (
        lambda g, x, t: g.fit(np.zeros((64, 3), "float32"), verbose=0),
        ValueError, r"shape \(3,\).*\(2,\)"),
    "fit-int-dtype": (
        lambda g, x, t: g.fit(np.zeros((64, 2), "int32"), verbose=0),
        TypeError, "floating point"),
    "fit-empty": (
        lambda g, x, t: g.fit(np.zeros((0, 2), "float32"), verbose=0),
        ValueError, "empty"),
    "fit-none": (lambda g, x, t: g.fit(None, verbose=0), ValueError,
                 "needs the real samples `x`"),
    "fit-list-of-arrays": (
        lambda g, x, t: g.fit([np.zeros((4, 2))], verbose=0), TypeError,
        "one array or dataset"),
    "fit-nan": (lambda g, x, t: g.fit(_with_nan(x), verbose=0), ValueError,
                r"non-finite.*index 3"),
    "fit-inf": (lambda g, x, t: g.fit(_with_inf(x), verbose=0), ValueError,
                r"non-finite.*index 5"),
    "fit-batch-not-multiple-of-pack": (
        lambda g, x, t: _packed_fit(x, 6), ValueError,
        r"PackSamples\(num_packed=4\).*batch_size=6"),
    "fit-batch-smaller-than-pack": (
        lambda g, x, t: _packed_fit(x, 2), ValueError,
        r"multiple of 4; batch_size=2"),
    "fit-last-batch-not-multiple-of-pack": (
        lambda g, x, t: _packed_fit(x[:510], 8), ValueError,
        r"last batch of 6 samples"),
    "fit-negative-warmup": (
        lambda g, x, t: g.fit(x, autoencoder_warmup_epochs=-1, verbose=0),
        ValueError, r"autoencoder_warmup_epochs.*>= 0"),
    # compile()
    "compile-generator-ema-of-one": (
        lambda g, x, t: g.compile(generator_ema=1.0), ValueError,
        r"generator_ema.*\[0, 1\)"),
    "compile-unknown-adversarial-loss": (
        lambda g, x, t: g.compile(adversarial_loss="wgan"), ValueError,
        "'non_saturating'"),
    "compile-adversarial-loss-wrong-type": (
        lambda g, x, t: g.compile(adversarial_loss=3), TypeError,
        "adversarial_loss must be"),
    "compile-energy-loss-logit-discriminator": (
        lambda g, x, t: g.compile(adversarial_loss="ebgan"), ValueError,
        "AutoencoderDiscriminator"),
    "compile-unknown-consistency-kind": (
        lambda g, x, t: g.compile(consistency_loss="manifolds"), ValueError,
        "'manifold', 'data', 'latent'"),
    "compile-consistency-kind-twice": (
        lambda g, x, t: g.compile(consistency_loss=["data", "data"]),
        ValueError, "more than once"),
    "compile-consistency-wrong-type": (
        lambda g, x, t: g.compile(consistency_loss=1.0), TypeError,
        "consistency_loss must be"),
    "compile-discriminator-steps-0": (
        lambda g, x, t: g.compile(discriminator_steps=0), ValueError,
        r"discriminator_steps.*>= 1"),
    "compile-unknown-optimizer-name": (
        lambda g, x, t: g.compile(generator_optimizer="not_an_optimizer"),
        ValueError, "generator_optimizer"),
    "compile-optimizer-wrong-type": (
        lambda g, x, t: g.compile(discriminator_optimizer=0.1), TypeError,
        r"discriminator_optimizer.*keras.optimizers.Optimizer"),
    "compile-keras-loss-argument": (
        lambda g, x, t: g.compile(loss="mse"), ValueError,
        "does not take `loss`"),
    "compile-keras-optimizer-argument": (
        lambda g, x, t: g.compile(optimizer="adam"), ValueError,
        "does not take `optimizer`"),
    "compile-misspelt-argument": (
        lambda g, x, t: g.compile(jit_compiled=True), TypeError,
        r"unexpected argument.*jit_compiled"),
    "compile-penalty-as-string": (
        lambda g, x, t: g.compile(gradient_penalty="r1"), ValueError,
        r"Unknown gradient_penalty: 'r1'.*'recommended'.*None.*R1Penalty"),
    # the constructor
    "init-generator-not-a-model": (
        lambda g, x, t: kag.StabilizedGAN(lambda z: z, g.discriminator),
        TypeError, "`generator` must be a keras.Model"),
    "init-discriminator-a-string": (
        lambda g, x, t: kag.StabilizedGAN(g.generator, "discriminator"),
        TypeError, "`discriminator` must be a keras"),
    "init-seed-a-string": (
        lambda g, x, t: kag.StabilizedGAN(g.generator, g.discriminator,
                                          seed="0"),
        TypeError, "`seed` must be an int"),
    "init-latent-dim-mismatch": (
        lambda g, x, t: kag.StabilizedGAN(g.generator, g.discriminator,
                                          latent_dim=7),
        ValueError, "latent_dim=7 does not match"),
    # generate()
    "generate-zero": (lambda g, x, t: g.generate(0), ValueError,
                      r"num_samples.*>= 1"),
    "generate-negative": (lambda g, x, t: g.generate(-3), ValueError,
                          r"num_samples.*>= 1"),
    "generate-float-count": (lambda g, x, t: g.generate(2.5), TypeError,
                             r"num_samples.*must be an int"),
    "generate-use-ema-a-string": (
        lambda g, x, t: g.generate(4, use_ema="yes"), TypeError,
        r"use_ema='yes'.*None.*True or False"),
    # loading
    "load-truncated-file": (
        lambda g, x, t: kag.saving.load_model(_truncated_keras_file(g, t)),
        ValueError, r"filepath=.*corrupt, truncated"),
    "load-garbage-file": (
        lambda g, x, t: kag.saving.load_model(_garbage_keras_file(t)),
        ValueError, r"filepath=.*not a `.keras` archive"),
    "load-unknown-class": (
        lambda g, x, t: kag.saving.load_model(
            _unknown_class_keras_file(g, t)),
        TypeError, r"'lost_package>LostGAN'.*custom_objects"),
    "load-missing-file": (
        lambda g, x, t: kag.saving.load_model(str(t / "missing.keras")),
        FileNotFoundError, "no such file"),
    # callbacks and layers
    "ema-decay-out-of-range": (
        lambda g, x, t: kag.callbacks.GeneratorEMA(decay=1.5), ValueError,
        r"`decay` must be in \[0, 1\)"),
    "pack-samples-zero": (
        lambda g, x, t: kag.layers.PackSamples(num_packed=0), ValueError,
        "num_packed"),
}


@pytest.mark.backend_independent
def test_the_matrix_has_at_least_25_rows():
    assert len(BAD_INPUTS) >= 25


# Rows whose check is argument parsing before any backend op (the others
# reach data checks or a training step): one backend is enough for them.
ARGUMENT_ROWS = ("init-", "compile-", "generate-", "load-", "ema-", "pack-")


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.backend_independent)
    if name.startswith(ARGUMENT_ROWS) else name
    for name in sorted(BAD_INPUTS)])
def test_bad_input_matrix(name, ring_data, tmp_path):
    action, error, match = BAD_INPUTS[name]
    gan = tiny_gan()
    # Not XLA: 38 rows of compiles would dominate the suite's time on
    # TensorFlow; what is checked does not depend on it.
    gan.compile(consistency_loss="manifold", jit_compile=False)
    optimizer = gan.generator_optimizer
    before = weights_of(gan) + optimizer_state(gan.optimizer)
    with pytest.raises(error, match=match):
        action(gan, ring_data, tmp_path)
    # Nothing changed: weights, optimizer state, the compiled setup.
    after = weights_of(gan) + optimizer_state(gan.optimizer)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert gan.generator_optimizer is optimizer
    assert [c.kind for c in gan.consistency_losses] == ["manifold"]
    still_trains(gan, ring_data)


# ----------------------------------------------------------------------
# Porting a recipe (the keras-io GAN): the errors name what to change
# ----------------------------------------------------------------------
@pytest.mark.backend_independent
def test_swapped_networks_are_named_swapped():
    nets = kag.models.dcgan((8, 8, 1), 16, filters=8)
    with pytest.raises(ValueError, match="look swapped"):
        kag.StabilizedGAN(nets.discriminator, nets.generator)
    points = tiny_nets()
    with pytest.raises(ValueError, match="look swapped"):
        kag.StabilizedGAN(points.discriminator, points.generator)


@pytest.mark.backend_independent
def test_recipe_compile_arguments_get_our_names():
    gan = tiny_gan()
    with pytest.raises(TypeError, match=(
            r"d_optimizer= -> discriminator_optimizer=, g_optimizer= -> "
            r"generator_optimizer=, loss_fn= -> adversarial_loss=")):
        gan.compile(d_optimizer=keras.optimizers.Adam(),
                    g_optimizer=keras.optimizers.Adam(),
                    loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    assert not gan.compiled


def test_binary_crossentropy_on_logits_is_the_non_saturating_loss(
        ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=None,
                adversarial_loss=keras.losses.BinaryCrossentropy(
                    from_logits=True))
    assert isinstance(gan.adversarial_loss, kag.losses.NonSaturatingLoss)
    history = gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"]).all()
    for loss, match in (("binary_crossentropy", "'non_saturating'"),
                        (keras.losses.BinaryCrossentropy(), "from_logits"),
                        (keras.losses.BinaryCrossentropy(
                            from_logits=True, label_smoothing=0.1),
                         "label smoothing")):
        with pytest.raises(ValueError, match=match):
            tiny_gan().compile(adversarial_loss=loss)


@pytest.mark.backend_independent
@pytest.mark.parametrize("activation, advice", [
    ("sigmoid", r"/ 255 for 8-bit images: the generator's sigmoid"),
    ("tanh", r"/ 127.5 - 1 for 8-bit images: the generator's tanh"),
])
def test_integer_images_get_advice_for_the_output_activation(activation,
                                                             advice):
    nets = kag.models.mlp_gan((8, 8, 1), LATENT_DIM, hidden_units=(8,),
                              output_activation=activation)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    gan.compile(consistency_loss=None)
    with pytest.raises(TypeError, match=advice):
        gan.fit(np.zeros((16, 8, 8, 1), "uint8"), verbose=0)

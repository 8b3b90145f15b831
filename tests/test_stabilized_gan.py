"""Training behaviour of StabilizedGAN, run with a real fit on every backend."""

import functools

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import LATENT_DIM
from conftest import moved
from conftest import tiny_gan
from conftest import tiny_nets
from conftest import weights_of

# compile()'s default R1 penalty logs gp_loss beside each term's keys.
EXPECTED_KEYS = {
    None: {"d_loss", "g_loss", "gp_loss"},
    "manifold": {"d_loss", "g_loss", "ae_loss", "consistency_loss", "gp_loss"},
    "data": {"d_loss", "g_loss", "consistency_loss", "gp_loss"},
    "latent": {"d_loss", "g_loss", "consistency_loss", "gp_loss"},
}


@pytest.mark.parametrize("kind", [None, "manifold", "data", "latent"])
def test_fit_trains_what_each_term_uses(ring_data, kind):
    nets = tiny_nets()
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0,
                            autoencoder=nets.autoencoder, encoder=nets.encoder)
    gan.compile(consistency_loss=kind)
    before = {name: weights_of(getattr(nets, name))
              for name in ("generator", "discriminator", "autoencoder",
                           "encoder")}
    history = gan.fit(ring_data, batch_size=128, epochs=2, verbose=0)

    assert set(history.history) == EXPECTED_KEYS[kind]
    for key, values in history.history.items():
        assert len(values) == 2
        assert np.all(np.isfinite(values)), key
    assert moved(before["generator"], nets.generator)
    assert moved(before["discriminator"], nets.discriminator)
    assert moved(before["autoencoder"], nets.autoencoder) == (
        kind == "manifold")
    assert moved(before["encoder"], nets.encoder) == (
        kind in ("data", "latent"))
    # 512 samples / batch 128 = 4 steps per epoch.
    assert int(gan.generator_optimizer.iterations) == 8
    assert int(gan.discriminator_optimizer.iterations) == 8
    assert int(gan.autoencoder_optimizer.iterations) == (
        8 if kind == "manifold" else 0)


def test_all_terms_together_and_consistency_falls(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=["manifold", "data", "latent"])
    history = gan.fit(ring_data, batch_size=64, epochs=4, verbose=0)
    consistency = history.history["consistency_loss"]
    assert consistency[-1] < consistency[0]
    assert history.history["ae_loss"][-1] < history.history["ae_loss"][0]


class HeadSizeProbe(kag.losses.ReconstructionConsistencyLoss):
    """Reports how many samples its term and its autoencoder loss get."""

    kind = "head_size_probe"
    networks = ("autoencoder",)

    def term(self, gan, x, z, fake):
        sizes = [keras.ops.shape(t)[0] for t in (x, z, fake)]
        # The size when all three agree; far off when they do not.
        return keras.ops.cast(3 * sizes[0] - sizes[1] - sizes[2],
                              "float32") + 0.0 * keras.ops.mean(fake)

    def autoencoder_loss(self, gan, x):
        return (keras.ops.cast(keras.ops.shape(x)[0], "float32")
                + 0.0 * keras.ops.mean(gan.autoencoder(x)))


@pytest.mark.parametrize("fraction, batch_size, expected", [
    (1.0, 128, 128), (0.25, 128, 32), (0.3, 128, 39),
    (0.1, 30, 3)])  # 30 * 0.1 is 3.0000000000000004 in floats
def test_batch_fraction_computes_the_terms_on_the_head_of_the_batch(
        ring_data, fraction, batch_size, expected):
    gan = tiny_gan()
    gan.compile(consistency_loss=HeadSizeProbe(batch_fraction=fraction),
                gradient_penalty=None)
    # Whole batches only: every step sees `batch_size` samples.
    x = ring_data[:len(ring_data) // batch_size * batch_size]
    history = gan.fit(x, batch_size=batch_size, epochs=1, verbose=0)
    # ceil(fraction * batch_size) samples in the term and the autoencoder's
    # loss.
    assert history.history["consistency_loss"] == [pytest.approx(expected)]
    assert history.history["ae_loss"] == [pytest.approx(expected)]


def test_batch_fraction_trains_every_network_and_round_trips(ring_data):
    nets = tiny_nets()
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0,
                            autoencoder=nets.autoencoder, encoder=nets.encoder)
    terms = [kag.losses.ReconstructionConsistencyLoss(
        kind, batch_fraction=0.25) for kind in ("manifold", "data")]
    gan.compile(consistency_loss=terms)
    before = {name: weights_of(getattr(nets, name))
              for name in ("generator", "autoencoder", "encoder")}
    history = gan.fit(ring_data, batch_size=64, epochs=4, verbose=0)
    for name, weights in before.items():
        assert moved(weights, getattr(nets, name)), name
    assert history.history["ae_loss"][-1] < history.history["ae_loss"][0]
    assert all(np.isfinite(history.history["consistency_loss"]))
    config = terms[1].get_config()
    assert config["batch_fraction"] == 0.25
    assert kag.losses.ReconstructionConsistencyLoss.from_config(
        config).batch_fraction == 0.25


@pytest.mark.parametrize("value", [0, -0.5, 1.5, True, "half"])
def test_batch_fraction_out_of_range_says_what_it_takes(value):
    with pytest.raises(ValueError, match=r"batch_fraction.*\(0, 1\]"):
        kag.losses.ReconstructionConsistencyLoss("data",
                                                 batch_fraction=value)


def test_default_networks_are_built_from_the_data_shape(ring_data):
    gan = tiny_gan()
    assert gan.autoencoder is None and gan.encoder is None
    gan.compile(consistency_loss=["manifold", "latent"])
    assert gan.autoencoder.output_shape == (None, 2)
    assert gan.encoder.output_shape == (None, LATENT_DIM)
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)


def test_default_conv_networks_for_images():
    x, _ = kag.datasets.digits()
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan((8, 8, 1), 8, hidden_units=(32,),
                              output_activation="tanh")
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=["manifold", "data"])
    assert any(isinstance(layer, keras.layers.Conv2D)
               for layer in gan.autoencoder.layers)
    assert gan.encoder.output_shape == (None, 8)
    history = gan.fit(x[:256], batch_size=64, epochs=2, verbose=0)
    assert history.history["ae_loss"][-1] < history.history["ae_loss"][0]


def test_minimal_usage_just_works(ring_data):
    nets = tiny_nets()
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    gan.compile()
    history = gan.fit(ring_data, batch_size=128, verbose=0)
    assert "consistency_loss" in history.history
    assert gan.latent_dim == LATENT_DIM
    # The default is the benchmarked recommendation.
    expected = kag.models.recommended_consistency_losses()
    assert [c.get_config() for c in gan.consistency_losses] == [
        c.get_config() for c in expected]
    # ... with R1 (gamma 3) on the discriminator.
    assert repr(gan.gradient_penalty) == "R1Penalty(gamma=3.0, every=1)"
    assert min(history.history["gp_loss"]) > 0.0


def test_updates_touch_only_their_own_network(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=["manifold", "latent"])
    x = keras.ops.convert_to_tensor(ring_data[:64])
    z = keras.random.normal((64, LATENT_DIM), seed=1)
    d_before = weights_of(gan.discriminator)
    g_before = weights_of(gan.generator)
    q_before = weights_of(gan.autoencoder)
    gan._update("generator", functools.partial(gan._generator_loss, gan, x, z),
                training=True)
    assert moved(g_before, gan.generator)
    assert not moved(d_before, gan.discriminator)
    assert not moved(q_before, gan.autoencoder)

    g_before = weights_of(gan.generator)
    gan._update("discriminator",
                functools.partial(gan._discriminator_loss, gan, x, z),
                training=True)
    assert moved(d_before, gan.discriminator)
    assert not moved(g_before, gan.generator)
    assert not moved(q_before, gan.autoencoder)

    d_before = weights_of(gan.discriminator)
    gan._update("autoencoder", functools.partial(gan._autoencoder_loss, x),
                training=True)
    assert moved(q_before, gan.autoencoder)
    assert not moved(g_before, gan.generator)
    assert not moved(d_before, gan.discriminator)


def test_discriminator_steps(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=None, discriminator_steps=2)
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert int(gan.generator_optimizer.iterations) == 4
    assert int(gan.discriminator_optimizer.iterations) == 8
    # The container reports GAN steps, as Keras callbacks expect.
    assert int(gan.optimizer.iterations) == 4


def _run(seed, ring_data):
    gan = tiny_gan(seed=seed)
    gan.compile(consistency_loss=["manifold", "latent"])
    history = gan.fit(ring_data, batch_size=128, epochs=2, verbose=0,
                      shuffle=False)
    return history.history, weights_of(gan.generator)


def test_seed_makes_runs_reproducible(ring_data):
    logs_a, weights_a = _run(3, ring_data)
    logs_b, weights_b = _run(3, ring_data)
    assert logs_a == logs_b
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)


def test_seed_generator_advances_and_differs_by_seed(ring_data):
    gan_a, gan_b = tiny_gan(seed=1), tiny_gan(seed=2)
    za = keras.ops.convert_to_numpy(gan_a._sample_latent(8))
    zb = keras.ops.convert_to_numpy(gan_b._sample_latent(8))
    za2 = keras.ops.convert_to_numpy(gan_a._sample_latent(8))
    assert not np.allclose(za, zb)
    assert not np.allclose(za, za2)


def test_warmup_trains_only_the_autoencoder_first(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss="manifold")
    history = gan.fit(ring_data, batch_size=128, epochs=1, verbose=0,
                      autoencoder_warmup_epochs=2)
    assert set(gan.warmup_history.history) == {"ae_loss"}
    assert len(gan.warmup_history.history["ae_loss"]) == 2
    assert set(history.history) == EXPECTED_KEYS["manifold"]
    assert int(gan.autoencoder_optimizer.iterations) == 12
    assert int(gan.generator_optimizer.iterations) == 4
    assert int(gan.discriminator_optimizer.iterations) == 4


def _denoising_gain(noise_level):
    """Warm up the autoencoder on the ring; how much closer Q(x + noise)
    is to x than x + noise (1: no better, 0: perfect denoising)."""
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan(2, LATENT_DIM, hidden_units=(128, 128))
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
                            autoencoder=nets.autoencoder, seed=0)
    gan.compile(consistency_loss=kag.losses.ReconstructionConsistencyLoss(
        noise_level=noise_level),
        autoencoder_optimizer=keras.optimizers.Adam(3e-3))
    x, _ = kag.datasets.ring(25600, seed=0)
    gan.fit(x, batch_size=512, epochs=1, steps_per_epoch=1, verbose=0,
            autoencoder_warmup_epochs=16)
    assert len(gan.warmup_history.history["ae_loss"]) == 16
    clean, _ = kag.datasets.ring(4096, seed=1)
    noisy = clean + 0.1 * np.random.default_rng(1).normal(size=clean.shape)
    noisy = noisy.astype("float32")
    denoised = keras.ops.convert_to_numpy(gan.autoencoder(noisy))
    before = np.mean(np.sum((noisy - clean) ** 2, axis=1))
    after = np.mean(np.sum((denoised - clean) ** 2, axis=1))
    return after / before


def test_noise_level_trains_a_denoising_autoencoder():
    # A denoising Q pulls noisy points back towards the data; a plain Q
    # trained on clean data stays close to the identity.
    assert _denoising_gain(0.5) < 0.7
    assert _denoising_gain(0.0) > 0.9


def test_evaluate_changes_no_weights(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=["manifold", "data"])
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    before = weights_of(gan)
    logs = gan.evaluate(ring_data, batch_size=128, verbose=0,
                        return_dict=True)
    assert set(logs) == {"d_loss", "g_loss", "ae_loss", "consistency_loss",
                         "gp_loss"}
    assert all(np.isfinite(v) for v in logs.values())
    assert not moved(before, gan)
    assert int(gan.generator_optimizer.iterations) == 4


def test_call_predict_and_generate(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=None)
    z = np.random.default_rng(0).standard_normal((5, LATENT_DIM)).astype(
        "float32")
    expected = keras.ops.convert_to_numpy(gan.generator(z))
    # Eager call vs compiled predict: on a GPU, XLA uses TF32 matmuls for
    # float32 by default (errors ~1e-3); a wrong network would be off by O(1).
    tolerance = dict(rtol=1e-2, atol=2e-3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(z)), expected,
                               **tolerance)
    np.testing.assert_allclose(gan.predict(z, verbose=0), expected,
                               **tolerance)
    samples = gan.generate(5, seed=0)
    assert samples.shape == (5, 2)
    np.testing.assert_allclose(samples, expected, **tolerance)
    np.testing.assert_allclose(gan.generate(7, seed=1, batch_size=3),
                               gan.generate(7, seed=1), **tolerance)


@pytest.mark.parametrize("wrap", ["xy_tuple", "tf_dataset", "py_dataset",
                                  "torch_loader"])
def test_fit_accepts_data_pipelines(ring_data, wrap):
    y = np.zeros(len(ring_data), "int64")
    if wrap == "xy_tuple":
        kwargs = {"x": ring_data, "y": y, "batch_size": 128}
    elif wrap == "tf_dataset":
        tf = pytest.importorskip("tensorflow")
        kwargs = {"x": tf.data.Dataset.from_tensor_slices(
            (ring_data, y)).batch(128)}
    elif wrap == "py_dataset":
        class Batches(keras.utils.PyDataset):
            def __len__(self):
                return 4

            def __getitem__(self, i):
                return ring_data[i * 128:(i + 1) * 128]

        kwargs = {"x": Batches()}
    else:
        torch = pytest.importorskip("torch")
        dataset = torch.utils.data.TensorDataset(torch.from_numpy(ring_data))
        kwargs = {"x": torch.utils.data.DataLoader(dataset, batch_size=128)}
    gan = tiny_gan()
    gan.compile(consistency_loss="manifold")
    history = gan.fit(epochs=1, verbose=0, **kwargs)
    assert np.isfinite(history.history["g_loss"][0])
    assert int(gan.generator_optimizer.iterations) == 4


def test_jit_compile_follows_keras_auto():
    # What Keras' own "auto" gives a plain model on this machine: jax.jit
    # on JAX, XLA on TensorFlow only with a GPU/TPU, eager on torch.
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    gan = tiny_gan()
    gan.compile()
    assert gan.jit_compile == model.jit_compile
    assert gan.jit_compile == (keras.backend.backend() == "jax")  # no GPU
    gan.compile(jit_compile=False)
    assert gan.jit_compile is False
    # What was asked for is saved with the model.
    assert gan.get_compile_config()["jit_compile"] is False


def test_jit_compile_with_a_penalty_on_torch_is_refused_clearly():
    gan = tiny_gan()
    if keras.backend.backend() != "torch":
        gan.compile(jit_compile=True)  # XLA / jax.jit: double backprop works
        assert gan.jit_compile is True
        return
    # torch.compile cannot differentiate twice (R1, compile()'s default).
    with pytest.raises(ValueError, match="torch.compile.*double backprop"):
        gan.compile(jit_compile=True)
    assert not gan.compiled


@pytest.mark.parametrize("setup", ["recommended_r1", "began"])
def test_the_step_compiled_with_xla_trains(ring_data, setup):
    # XLA on TensorFlow (the default with a GPU) and jax.jit on JAX, with
    # what could break under XLA: double backpropagation (R1), the
    # consistency terms' networks, and BEGAN's state update. PyTorch's
    # compiled mode (torch.compile) is not the default and not tested.
    jit = keras.backend.backend() != "torch"
    if setup == "began":
        nets = kag.models.mlp_gan(2, 8, hidden_units=(16,),
                                  autoencoder_discriminator=True)
        gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
        gan.compile(adversarial_loss="began", consistency_loss=None,
                    jit_compile=jit)
    else:
        nets = kag.models.mlp_gan(2, 8, hidden_units=(16,))
        gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
                                autoencoder=nets.autoencoder,
                                encoder=nets.encoder, seed=0)
        gan.compile(gradient_penalty=kag.regularizers.R1Penalty(1.0),
                    jit_compile=jit)
    assert gan.jit_compile is jit
    before = weights_of(gan.generator)
    history = gan.fit(ring_data, batch_size=64, epochs=2, verbose=0)
    assert moved(before, gan.generator)
    for values in history.history.values():
        assert np.isfinite(values).all()
    if setup == "began":
        assert {"convergence", "balance"} <= set(history.history)
    else:
        assert history.history["gp_loss"][-1] > 0.0
        assert history.history["ae_loss"][-1] < history.history["ae_loss"][0]


def test_learning_rate_of_the_group_is_not_silently_set():
    gan = tiny_gan()
    gan.compile()
    with pytest.raises(AttributeError, match="generator_optimizer"):
        gan.optimizer.learning_rate = 0.1
    gan.generator_optimizer.learning_rate = 0.1
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(gan.optimizer.learning_rate)), 0.1)


def _fit_steps_per_execution(data, steps_per_execution):
    keras.utils.set_random_seed(0)
    gan = tiny_gan()
    gan.compile(steps_per_execution=steps_per_execution)
    calls = []
    history = gan.fit(data, batch_size=128, epochs=2, verbose=0,
                      shuffle=False, callbacks=[keras.callbacks.LambdaCallback(
                          on_train_batch_end=lambda batch, logs: calls.append(
                              batch))])
    iterations = [int(o.iterations) for o in (
        gan.generator_optimizer, gan.discriminator_optimizer,
        gan.autoencoder_optimizer)]
    return gan, iterations, calls, history.history


def test_steps_per_execution_runs_n_steps_per_call(ring_data):
    data = ring_data[:512]  # 4 batches an epoch
    if keras.backend.backend() == "torch":
        # Keras' torch trainer runs one step per call, and says so.
        with pytest.raises(ValueError, match="steps_per_execution` must be 1"):
            _fit_steps_per_execution(data, 4)
        return
    single, single_its, single_calls, single_logs = _fit_steps_per_execution(
        data, 1)
    multi, multi_its, multi_calls, multi_logs = _fit_steps_per_execution(
        data, 4)
    # Every optimizer advanced once per step: 2 epochs x 4 steps, in 2
    # calls of 4 steps instead of 8 calls.
    assert single_its == multi_its == [8, 8, 8]
    assert (len(single_calls), len(multi_calls)) == (8, 2)
    # ... and the 4-step calls computed what 4 single steps do.
    for a, b in zip(single.get_weights(), multi.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in single_logs:
        np.testing.assert_allclose(single_logs[key], multi_logs[key],
                                   rtol=1e-5)

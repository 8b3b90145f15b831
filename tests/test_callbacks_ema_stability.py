"""GeneratorEMA and StabilityMonitor inside real fits, on every backend."""

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import LATENT_DIM
from conftest import tiny_gan
from conftest import tiny_nets
from conftest import weights_of
from keras_aegan.src.callbacks import stability_monitor
from keras_aegan.src.callbacks.generator_ema import GeneratorEMA
from keras_aegan.src.callbacks.stability_monitor import StabilityMonitor
from keras_aegan.src.models import generator_average


def test_ema_follows_the_generator_and_is_saved(ring_data, tmp_path):
    gan = tiny_gan()
    gan.compile(consistency_loss=None, generator_ema=None)
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0,
            callbacks=[GeneratorEMA(decay=0.0)])
    # decay 0: the average is the last generator.
    for a, b in zip(weights_of(gan.ema_generator), weights_of(gan.generator),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)

    start = weights_of(gan.ema_generator)
    gan.fit(ring_data, batch_size=128, epochs=2, verbose=0,
            callbacks=[GeneratorEMA(decay=0.9)])
    ema, current = weights_of(gan.ema_generator), weights_of(gan.generator)
    # The average moved, but lags behind the generator.
    assert any(not np.allclose(a, b) for a, b in zip(start, ema, strict=True))
    assert any(not np.allclose(a, b) for a, b in zip(ema, current, strict=True))
    samples = gan.generate(16, seed=0, use_ema=True)
    np.testing.assert_array_equal(samples, gan.generate(16, seed=0))
    assert not np.allclose(samples, gan.generate(16, seed=0, use_ema=False))

    # A fit without the callback leaves the average alone (the model was
    # compiled without one).
    assert gan.ema_decay is None
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    for a, b in zip(ema, weights_of(gan.ema_generator), strict=True):
        np.testing.assert_array_equal(a, b)

    path = str(tmp_path / "ema.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.generate(16, seed=0, use_ema=True),
                               samples, rtol=1e-5, atol=1e-6)
    # The average is not trained by any optimizer.
    ema_ids = {id(v) for v in loaded.ema_generator.variables}
    assert not ema_ids & {id(v) for v in loaded.trainable_variables}


def test_compile_keeps_the_average_by_default(ring_data, tmp_path):
    gan = tiny_gan()
    gan.compile(consistency_loss=None)
    assert gan.ema_decay == 0.999
    start = weights_of(gan.generator)
    # One generator update (one batch): the ramped decay is
    # min(0.999, (1 + 1) / (10 + 1)) = 2 / 11.
    gan.fit(ring_data, batch_size=len(ring_data), epochs=1, verbose=0)
    for initial, last, average in zip(start, weights_of(gan.generator),
                                      weights_of(gan.ema_generator),
                                      strict=True):
        np.testing.assert_allclose(average, (2 * initial + 9 * last) / 11,
                                   rtol=1e-5, atol=1e-6)
    gan.fit(ring_data, batch_size=64, epochs=2, verbose=0)
    # generate() samples the average by default; use_ema=False the last
    # weights.
    averaged = gan.generate(16, seed=0)
    np.testing.assert_array_equal(averaged,
                                  gan.generate(16, seed=0, use_ema=True))
    assert not np.allclose(averaged, gan.generate(16, seed=0, use_ema=False))

    # A GeneratorEMA callback sets the decay for its fit only.
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0,
            callbacks=[GeneratorEMA(decay=0.9)])
    assert gan.ema_decay == 0.999

    # Saved and loaded: the average and the setting (a later fit goes on
    # averaging).
    path = str(tmp_path / "default.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.ema_decay == 0.999
    np.testing.assert_allclose(loaded.generate(16, seed=0),
                               gan.generate(16, seed=0), rtol=1e-5, atol=1e-6)
    before = weights_of(loaded.ema_generator)
    loaded.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert any(not np.allclose(a, b) for a, b in
               zip(before, weights_of(loaded.ema_generator), strict=True))


def test_ramped_decay():
    ramp = [float(keras.ops.convert_to_numpy(
        generator_average.ramped_decay(0.999, t))) for t in (0, 1, 890, 9000)]
    np.testing.assert_allclose(ramp, [0.1, 2 / 11, 0.99, 0.999], rtol=1e-6)


def test_compile_without_an_average(ring_data, tmp_path):
    gan = tiny_gan()
    gan.compile(consistency_loss=None)
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    dropped = {id(v) for v in gan.ema_generator.variables}
    # generator_ema=None: no average (an existing one is dropped), and
    # generate() samples the generator.
    gan.compile(consistency_loss=None, generator_ema=None)
    assert gan.ema_generator is None and gan.ema_decay is None
    assert not dropped & {id(v) for v in gan.variables}
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    samples = gan.generate(8, seed=0)
    path = str(tmp_path / "plain.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.ema_generator is None and loaded.ema_decay is None
    np.testing.assert_allclose(loaded.generate(8, seed=0), samples,
                               rtol=1e-5, atol=1e-6)


def bn_generator(frozen=False):
    """latent -> Dense(8) -> BatchNormalization -> Dense(2)."""
    z = keras.Input((LATENT_DIM,))
    h = keras.layers.Dense(8, name="pre")(z)
    norm = keras.layers.BatchNormalization(name="norm")
    norm.trainable = not frozen
    h = keras.layers.Dense(2, name="out")(keras.layers.ReLU()(norm(h)))
    return keras.Model(z, h, name="generator")


def test_ema_batch_norm_statistics_re_estimated(ring_data):
    gan = kag.StabilizedGAN(bn_generator(), tiny_nets().discriminator,
                            seed=0)
    gan.compile(consistency_loss=None)
    gan.fit(ring_data, batch_size=128, epochs=2, verbose=0,
            callbacks=[GeneratorEMA(decay=0.9, batch_norm_batches=5)])
    live = gan.generator.get_layer("norm")
    average = gan.ema_generator.get_layer("norm")
    # The mean of 5 batches' statistics (64 latents each, the documented
    # seed) at the averaged weights, by hand.
    rng = np.random.default_rng(0)
    kernel, bias = (keras.ops.convert_to_numpy(v) for v in
                    gan.ema_generator.get_layer("pre").weights)
    batches = [rng.standard_normal((64, LATENT_DIM)).astype("float32")
               @ kernel + bias for _ in range(5)]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(average.moving_mean),
        np.mean([b.mean(0) for b in batches], 0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(average.moving_variance),
        np.mean([b.var(0) for b in batches], 0), rtol=1e-4, atol=1e-5)
    assert not np.allclose(keras.ops.convert_to_numpy(average.moving_mean),
                           keras.ops.convert_to_numpy(live.moving_mean))
    # The layers are restored: inference mode, the default momentum.
    assert average.momentum == live.momentum and not average.trainable
    assert not gan.ema_generator.trainable_weights

    # batch_norm_batches=0: the statistics stay the generator's.
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0,
            callbacks=[GeneratorEMA(decay=0.9, batch_norm_batches=0)])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(average.moving_variance),
        keras.ops.convert_to_numpy(live.moving_variance))


def test_default_average_batch_norm_re_estimated_when_used(ring_data,
                                                           tmp_path):
    """compile()'s average re-estimates its statistics (200 batches of 64
    latents) when generate() or save() first use it after training."""
    gan = kag.StabilizedGAN(bn_generator(), tiny_nets().discriminator,
                            seed=0)
    gan.compile(consistency_loss=None)
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    average = gan.ema_generator.get_layer("norm")
    live = gan.generator.get_layer("norm")

    def moving_mean(layer):
        return keras.ops.convert_to_numpy(layer.moving_mean)

    # Until then they are the generator's, copied in the step.
    np.testing.assert_array_equal(moving_mean(average), moving_mean(live))
    gan.save(str(tmp_path / "bn.keras"))
    rng = np.random.default_rng(0)
    kernel, bias = (keras.ops.convert_to_numpy(v) for v in
                    gan.ema_generator.get_layer("pre").weights)
    means = [(rng.standard_normal((64, LATENT_DIM)).astype("float32")
              @ kernel + bias).mean(0) for _ in range(200)]
    np.testing.assert_allclose(moving_mean(average), np.mean(means, 0),
                               rtol=1e-4, atol=1e-5)
    loaded = keras.saving.load_model(str(tmp_path / "bn.keras"))
    np.testing.assert_allclose(
        moving_mean(loaded.ema_generator.get_layer("norm")),
        np.mean(means, 0), rtol=1e-4, atol=1e-5)
    samples = gan.generate(8, seed=0)
    np.testing.assert_allclose(loaded.generate(8, seed=0), samples,
                               rtol=1e-5, atol=1e-6)
    # More training: generate() re-estimates them again.
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    gan.generate(1)
    assert not np.allclose(moving_mean(average), moving_mean(live))
    assert not np.allclose(moving_mean(average), np.mean(means, 0))


def test_ema_leaves_frozen_batch_norm_alone(ring_data):
    gan = kag.StabilizedGAN(bn_generator(frozen=True),
                            tiny_nets().discriminator, seed=0)
    gan.compile(consistency_loss=None)
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0,
            callbacks=[GeneratorEMA(decay=0.9)])
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(
                getattr(gan.ema_generator.get_layer("norm"), name)),
            keras.ops.convert_to_numpy(
                getattr(gan.generator.get_layer("norm"), name)))


def test_ema_batch_norm_of_a_conditional_generator():
    """dcgan's class-conditional generator: its average's statistics are
    re-estimated with labels (any fewer and the call would fail)."""
    keras.utils.set_random_seed(0)
    nets = kag.models.dcgan((8, 8, 1), LATENT_DIM, filters=8, num_classes=3)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=None)
    x = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1))
    y = np.arange(64) % 3
    gan.fit(x.astype("float32"), y, batch_size=32, epochs=1, verbose=0,
            callbacks=[GeneratorEMA(decay=0.5, batch_norm_batches=2)])
    moving = [[keras.ops.convert_to_numpy(layer.moving_variance)
               for layer in network.layers
               if isinstance(layer, keras.layers.BatchNormalization)]
              for network in (gan.ema_generator, gan.generator)]
    assert moving[0] and all(not np.allclose(a, b)
                             for a, b in zip(*moving, strict=True))
    assert np.isfinite(gan.generate(4, labels=2, use_ema=True)).all()


def test_ema_errors(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=None, generator_ema=None)
    with pytest.raises(ValueError, match="keeps no average"):
        gan.generate(4, use_ema=True)
    with pytest.raises(TypeError, match="use_ema='yes'"):
        gan.generate(4, use_ema="yes")
    for value, error in (("fast", ValueError), (1.0, ValueError),
                         (-0.1, ValueError), ([0.9], TypeError)):
        with pytest.raises(error, match="generator_ema"):
            gan.compile(generator_ema=value)
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        GeneratorEMA(decay=1.0)
    with pytest.raises(TypeError, match="decay"):
        GeneratorEMA(decay="0.9")
    with pytest.raises(ValueError, match="batch_norm_batches"):
        GeneratorEMA(batch_norm_batches=-1)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    with pytest.raises(TypeError, match="StabilizedGAN"):
        model.fit(ring_data, ring_data, epochs=1, verbose=0,
                  callbacks=[GeneratorEMA()])


def test_healthy_run_raises_no_alarm(ring_data):
    gan = tiny_gan()
    gan.compile()
    monitor = StabilityMonitor(real_data=ring_data, verbose=False)
    history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0,
                      callbacks=[monitor])
    assert monitor.events == [] and monitor.restores == 0
    assert len(history.history["g_loss"]) == 3


def collapsed_gan():
    """A generator whose output layer is frozen at zero: every sample is the
    same point, a total collapse."""
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan(2, LATENT_DIM, hidden_units=(16, 16))
    output = nets.generator.get_layer("output")
    output.kernel.assign(np.zeros(output.kernel.shape, "float32"))
    output.trainable = False
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)


def test_diversity_collapse_is_caught_and_training_stops(ring_data):
    gan = collapsed_gan()
    gan.compile(consistency_loss=None)
    monitor = StabilityMonitor(real_data=ring_data, action="stop",
                               verbose=False)
    history = gan.fit(ring_data, batch_size=64, epochs=4, verbose=0,
                      callbacks=[monitor])
    assert len(history.history["g_loss"]) == 1
    assert [e["problem"] for e in monitor.events] == ["diversity_collapse"]
    assert monitor.events[0]["epoch"] == 1
    assert monitor.events[0]["action"] == "stopped training"


def test_divergence_is_caught_and_the_healthy_state_restored(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=None)
    monitor = StabilityMonitor(real_data=ring_data, verbose=False,
                               max_restores=1)
    gan.fit(ring_data, batch_size=64, epochs=1, verbose=0,
            callbacks=[monitor])
    # Now make it diverge: an infinite learning rate.
    gan.discriminator_optimizer.learning_rate = float("inf")
    gan.generator_optimizer.learning_rate = float("inf")
    history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0,
                      callbacks=[monitor])
    assert [(e["epoch"], e["problem"]) for e in monitor.events] == [
        (1, "non_finite_loss")]
    assert "restored the state of epoch 1" in monitor.events[0]["action"]
    assert monitor.restores == 1
    # The healthy state came back with its learning rates (the default
    # 2e-4), halved; training went on and finished with finite losses.
    assert float(keras.ops.convert_to_numpy(
        gan.generator_optimizer.learning_rate)) == pytest.approx(1e-4)
    assert not np.isfinite(history.history["g_loss"][0])
    assert np.isfinite(history.history["g_loss"][1:]).all()
    assert np.isfinite(gan.generate(64, seed=0)).all()


def test_restores_are_limited_then_training_stops(ring_data):
    gan = collapsed_gan()
    gan.compile(consistency_loss=None)
    monitor = StabilityMonitor(real_data=ring_data, max_restores=1,
                               verbose=False)
    history = gan.fit(ring_data, batch_size=64, epochs=5, verbose=0,
                      callbacks=[monitor])
    # The collapse is built in: restoring cannot cure it.
    assert [e["epoch"] for e in monitor.events] == [1, 2]
    assert "restored the state of the start" in monitor.events[0]["action"]
    assert monitor.events[1]["action"] == (
        "stopped training after 1 restores")
    assert len(history.history["g_loss"]) == 2


def test_restore_puts_back_weights_and_optimizer_state(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=None)
    monitor = StabilityMonitor(real_data=ring_data, verbose=False)
    gan.fit(ring_data, batch_size=64, epochs=1, verbose=0,
            callbacks=[monitor])
    before = [np.array(v) for v in monitor._snapshot]
    gan.fit(ring_data, batch_size=64, epochs=1, verbose=0)
    monitor._restore()
    after = [np.array(keras.ops.convert_to_numpy(v))
             for v in monitor._watched_variables()]
    for optimizer in gan.optimizer.members.values():
        # 2e-4 (the default), halved.
        assert float(keras.ops.convert_to_numpy(
            optimizer.learning_rate)) == pytest.approx(1e-4)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True))
               if not np.array_equal(a, b)]
    # Only the learning rates differ from the snapshot.
    assert len(changed) == len(gan.optimizer.members)


def test_exploding_loss_rule(ring_data):
    gan = tiny_gan()
    gan.compile(consistency_loss=None)
    monitor = StabilityMonitor(max_loss=100.0, verbose=False)
    monitor.set_model(gan)
    problems = monitor._problems({"d_loss": 1.3, "g_loss": -250.0,
                                  "fid": 300.0})
    assert [p for p, _ in problems] == ["exploding_loss"]
    assert "g_loss" in problems[0][1] and "fid" not in problems[0][1]
    assert monitor._problems({"d_loss": 1.3, "g_loss": 99.0}) == []
    monitor.max_loss = None
    assert monitor._problems({"g_loss": 1e30}) == []


@pytest.mark.backend_independent
def test_discriminator_wins_rule():
    assert stability_monitor.discriminator_wins([20, 30], [-5, 1], 10.0)
    assert not stability_monitor.discriminator_wins([20, 30], [25, 1], 10.0)
    assert not stability_monitor.discriminator_wins([2, 3], [-1, 1], 10.0)


@pytest.mark.backend_independent
@pytest.mark.parametrize("kwargs, error", [
    ({"action": "warn"}, ValueError), ({"check_every": 0}, ValueError),
    ({"num_samples": 1}, ValueError), ({"diversity_threshold": 1.0},
                                       ValueError),
    ({"learning_rate_factor": 0.0}, ValueError), ({"max_restores": "3"},
                                                  TypeError),
    ({"real_data": np.full((4, 2), np.nan)}, ValueError),
    ({"max_loss": 0.0}, ValueError), ({"max_loss": "big"}, TypeError),
])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error, match="StabilityMonitor"):
        StabilityMonitor(**kwargs)

"""Mixed precision: bfloat16 and float16 train without NaNs; float16 scales
every network's loss (a LossScaleOptimizer per optimizer)."""

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import moved
from conftest import tiny_nets
from conftest import weights_of


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"],
                         indirect=True)
def test_mixed_precision_trains_saves_and_loads(policy, ring_data, tmp_path):
    nets = tiny_nets()
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=["manifold", "data", "latent"])
    assert gan.generator.compute_dtype == policy.split("_")[1]
    networks = {n: getattr(gan, n) for n in
                ("generator", "discriminator", "autoencoder", "encoder")}
    before = {n: weights_of(net) for n, net in networks.items()}
    history = gan.fit(ring_data, batch_size=128, epochs=2, verbose=0)
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)
    for name, network in networks.items():
        assert moved(before[name], network), name
    samples = gan.generate(32, seed=0)
    assert np.all(np.isfinite(samples))

    scaled = policy == "mixed_float16"
    optimizers = (gan.generator_optimizer, gan.discriminator_optimizer,
                  gan.autoencoder_optimizer)
    for optimizer in optimizers:
        assert isinstance(optimizer,
                          keras.optimizers.LossScaleOptimizer) == scaled
        # Every step applied its update (none skipped for inf/NaN).
        assert int(optimizer.iterations) == 8

    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.generate(32, seed=0), samples)
    for optimizer, restored in zip(optimizers, (
            loaded.generator_optimizer, loaded.discriminator_optimizer,
            loaded.autoencoder_optimizer), strict=True):
        assert type(restored) is type(optimizer)
        if scaled:
            assert float(restored.dynamic_scale) == float(
                optimizer.dynamic_scale)
    history = loaded.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_float16_loss_scale_skips_an_overflowing_step(policy, ring_data):
    """The dynamic loss scale is real: a step whose scaled gradients
    overflow is skipped and the scale halves, instead of writing inf/NaN
    into the weights."""
    nets = tiny_nets()
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(
        generator_optimizer=keras.optimizers.LossScaleOptimizer(
            keras.optimizers.Adam(2e-4, beta_1=0.5), initial_scale=2.0**60),
        consistency_loss=None)
    history = gan.fit(ring_data[:128], batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    optimizer = gan.generator_optimizer
    assert float(optimizer.dynamic_scale) < 2.0**60
    assert all(np.all(np.isfinite(w)) for w in weights_of(gan.generator))


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_auto_scale_loss_false_keeps_the_optimizers(policy, ring_data):
    nets = tiny_nets()
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    gan.compile(consistency_loss=None, auto_scale_loss=False)
    assert not isinstance(gan.generator_optimizer,
                          keras.optimizers.LossScaleOptimizer)
    assert gan.get_compile_config()["auto_scale_loss"] is False

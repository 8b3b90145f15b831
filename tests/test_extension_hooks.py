"""A new objective and a new consistency kind, each defined here, in the
test file, without touching keras_aegan, and trained with a real fit on
every backend; the Keras internals the engine relies on are checked."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_aegan as kag
from conftest import moved
from conftest import tiny_gan
from conftest import tiny_nets
from conftest import weights_of


class PairedRelativistic(kag.losses.AdversarialLoss):
    """RpGAN as a user would write it: D minimizes
    softplus(-(D(x) - D(G(z)))), G minimizes softplus(-(D(G(z)) - D(x)))."""

    generator_uses_real = True

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(ops.softplus(-(real_logits - fake_logits)))

    def generator_loss(self, fake_logits, real_logits=None):
        return ops.mean(ops.softplus(-(fake_logits - real_logits)))


class FeatureMatchingConsistency(kag.losses.ReconstructionConsistencyLoss):
    """A consistency kind of our own: the mean features of the
    discriminator's penultimate layer on G(z) pulled towards those on the
    real batch (feature matching, Salimans et al. 2016)."""

    kind = "test_feature_matching"
    networks = ()

    def term(self, gan, x, z, fake):
        features = keras.Model(gan.discriminator.inputs,
                               gan.discriminator.layers[-2].output)
        real = ops.stop_gradient(
            ops.mean(features(x, training=False), axis=0, keepdims=True))
        generated = ops.mean(features(fake, training=False), axis=0,
                             keepdims=True)
        return self(real, generated)


def _fit(ring_data, **compile_kwargs):
    gan = tiny_gan(seed=0)
    gan.compile(**compile_kwargs)
    before = (weights_of(gan.generator), weights_of(gan.discriminator))
    history = gan.fit(ring_data, batch_size=128, epochs=2, verbose=0,
                      shuffle=False)
    return gan, before, history.history


def test_a_relativistic_objective_is_one_subclass(ring_data):
    gan, (g_before, d_before), logs = _fit(
        ring_data, adversarial_loss=PairedRelativistic(),
        consistency_loss=None)
    assert set(logs) == {"d_loss", "g_loss"}
    assert np.isfinite(logs["d_loss"]).all()
    assert np.isfinite(logs["g_loss"]).all()
    assert moved(g_before, gan.generator)
    assert moved(d_before, gan.discriminator)
    # The built-in is the same objective: same seeds, same training (without
    # the R1 and R2 penalties it brings by default).
    _, _, builtin = _fit(ring_data, adversarial_loss="rpgan",
                         consistency_loss=None, gradient_penalty=None)
    np.testing.assert_allclose(logs["g_loss"], builtin["g_loss"], rtol=1e-5)
    np.testing.assert_allclose(logs["d_loss"], builtin["d_loss"], rtol=1e-5)
    # The generator's loss reads D(x): without it the run differs.
    _, _, plain = _fit(ring_data, adversarial_loss="non_saturating",
                       consistency_loss=None, gradient_penalty=None)
    assert not np.allclose(logs["g_loss"], plain["g_loss"])


def test_relativistic_pairing_loss_by_hand():
    loss = kag.losses.RelativisticPairingLoss()
    real = np.array([[1.0], [0.0], [-2.0]], "float32")
    fake = np.array([[1.0], [2.0], [0.5]], "float32")
    softplus = lambda v: np.log1p(np.exp(v))  # noqa: E731
    np.testing.assert_allclose(
        ops.convert_to_numpy(loss.discriminator_loss(real, fake)),
        np.mean(softplus(-(real - fake))), rtol=1e-6)
    np.testing.assert_allclose(
        ops.convert_to_numpy(loss.generator_loss(fake, real)),
        np.mean(softplus(-(fake - real))), rtol=1e-6)
    with pytest.raises(ValueError, match="real_logits"):
        loss.generator_loss(fake)
    assert kag.losses.RelativisticPairingLoss.from_config(
        loss.get_config()).get_config() == {}


def test_rpgan_is_saved_and_loaded(ring_data, tmp_path):
    gan, _, _ = _fit(ring_data, adversarial_loss="rpgan",
                     consistency_loss=None)
    path = str(tmp_path / "rpgan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.adversarial_loss,
                      kag.losses.RelativisticPairingLoss)
    loaded.fit(ring_data, batch_size=128, epochs=1, verbose=0)


def test_a_consistency_kind_is_one_subclass(ring_data):
    term = FeatureMatchingConsistency(weight=5.0)
    assert term.kind == "test_feature_matching"
    assert isinstance(
        kag.losses.ReconstructionConsistencyLoss("test_feature_matching"),
        FeatureMatchingConsistency)
    gan, (g_before, _), logs = _fit(ring_data, consistency_loss=term)
    assert set(logs) == {"d_loss", "g_loss", "consistency_loss", "gp_loss"}
    assert np.isfinite(logs["consistency_loss"]).all()
    assert gan.autoencoder is None and gan.encoder is None
    assert moved(g_before, gan.generator)
    # The term reaches the generator: without it, training differs.
    plain, _, _ = _fit(ring_data, consistency_loss=None)
    assert not all(np.allclose(a, b) for a, b in zip(
        weights_of(gan.generator), weights_of(plain.generator), strict=True))
    # The kind's name works in compile() too.
    named, _, _ = _fit(ring_data, consistency_loss=["test_feature_matching",
                                                    "latent"])
    assert [t.kind for t in named.consistency_losses] == [
        "test_feature_matching", "latent"]


def test_a_kind_must_name_networks_the_gan_has():
    with pytest.raises(ValueError, match="networks lists"):
        class Bad(kag.losses.ReconstructionConsistencyLoss):  # noqa: F841
            kind = "test_bad"
            networks = ("critic",)


def test_the_plan_is_built_once_and_read_by_the_step(ring_data):
    nets = tiny_nets()
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=["manifold", "latent"],
                gradient_penalty=kag.regularizers.R1Penalty(1.0))
    plan = gan._plan
    assert plan.trains_autoencoder and plan.uses_encoder
    assert plan.log_keys == ("d_loss", "g_loss", "ae_loss",
                             "consistency_loss", "gp_loss")
    encoder_ids = {id(v) for v in gan.encoder.trainable_variables}
    assert encoder_ids <= {id(v) for v in plan.variables["generator"]}
    gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert gan._plan is plan
    # No BEGAN, no balance variable.
    assert gan.balance is None and gan.objective_state == {}


def test_keras_internals_are_what_the_jax_trainer_expects():
    from keras_aegan.src.backend.jax import keras_compat

    keras_compat.check_keras_internals()

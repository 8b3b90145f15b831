"""R1, R2, R1+R2 and WGAN-GP penalties: the same values on every backend, in
real fits."""

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import tiny_gan
from keras_aegan.src.backend import input_gradients

RNG = np.random.default_rng(0)
W1 = RNG.normal(size=(2, 3)).astype("float32")
B1 = RNG.normal(size=(3,)).astype("float32")
W2 = RNG.normal(size=(3, 1)).astype("float32")
POINTS = RNG.normal(size=(5, 2)).astype("float32")
FAKE_POINTS = RNG.normal(size=(5, 2)).astype("float32") + 1.0


def reference_gradients(x):
    """∇_x of D(x) = tanh(x W1 + b1) W2, by hand, in float64."""
    h = np.tanh(x.astype("float64") @ W1 + B1)
    return ((1.0 - h**2) * W2[:, 0]) @ W1.T


def fixed_discriminator():
    disc = keras.Sequential([keras.Input((2,)),
                             keras.layers.Dense(3, activation="tanh"),
                             keras.layers.Dense(1, use_bias=False)])
    disc.set_weights([W1, B1, W2])
    return disc


def test_input_gradients_match_the_hand_computed_ones():
    disc = fixed_discriminator()
    grads = input_gradients(lambda x: disc(x), keras.ops.convert_to_tensor(
        POINTS), disc.variables)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grads),
                               reference_gradients(POINTS), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("penalty, expected", [
    (kag.regularizers.R1Penalty(gamma=3.0),
     lambda g: 1.5 * np.mean(np.sum(g**2, axis=1))),
    (kag.regularizers.R2Penalty(gamma=0.5),
     lambda g: 0.25 * np.mean(np.sum(g**2, axis=1))),
    (kag.regularizers.GradientPenalty(weight=2.0),
     lambda g: 2.0 * np.mean((np.linalg.norm(g, axis=1) - 1.0) ** 2)),
])
def test_penalty_values_agree_with_numpy_on_every_backend(penalty, expected):
    # Each backend's value is checked against the same float64 reference at
    # 1e-5, so the three backends agree with each other.
    value = penalty.penalty_at(fixed_discriminator(), POINTS)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(value),
                               expected(reference_gradients(POINTS)),
                               rtol=1e-5)


def squared_norm(x):
    return np.mean(np.sum(reference_gradients(x) ** 2, axis=1))


@pytest.mark.parametrize("penalty, expected", [
    (kag.regularizers.R1Penalty(3.0), 1.5 * squared_norm(POINTS)),
    (kag.regularizers.R2Penalty(3.0), 1.5 * squared_norm(FAKE_POINTS)),
    (kag.regularizers.ZeroCenteredGradientPenalty(3.0),
     1.5 * (squared_norm(POINTS) + squared_norm(FAKE_POINTS))),
    (kag.regularizers.ZeroCenteredGradientPenalty(3.0, fake=False),
     1.5 * squared_norm(POINTS)),
    (kag.regularizers.ZeroCenteredGradientPenalty(3.0, real=False),
     1.5 * squared_norm(FAKE_POINTS)),
])
def test_zero_centered_penalties_take_real_and_fake_points(penalty,
                                                          expected):
    # R1 at the real batch, R2 at the generated one, both summed.
    value = penalty(fixed_discriminator(), POINTS, FAKE_POINTS)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(value), expected,
                               rtol=1e-5)


def test_gradient_penalty_points_lie_between_real_and_fake():
    gp = kag.regularizers.GradientPenalty()
    real = np.zeros((64, 2), "float32")
    fake = np.ones((64, 2), "float32")
    points = keras.ops.convert_to_numpy(gp.points(real, fake, seed=1))
    assert points.min() >= 0.0 and points.max() <= 1.0
    # One epsilon per sample, shared by its features.
    np.testing.assert_allclose(points[:, 0], points[:, 1])
    assert points.std() > 0.1


def gradient_norm_on(gan, x):
    grads = input_gradients(lambda t: gan.discriminator(t),
                            keras.ops.convert_to_tensor(x),
                            gan.discriminator.variables)
    return float(np.mean(np.sum(keras.ops.convert_to_numpy(grads) ** 2, 1)))


def test_r1_penalty_flattens_the_discriminator_on_real_data(ring_data):
    norms, logs = {}, {}
    for gamma in (0.0, 50.0):
        gan = tiny_gan(seed=0)
        gan.compile(gradient_penalty=kag.regularizers.R1Penalty(gamma),
                    consistency_loss=None,
                    discriminator_optimizer=keras.optimizers.Adam(1e-2))
        history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0)
        logs[gamma] = history.history
        norms[gamma] = gradient_norm_on(gan, ring_data)
    assert set(logs[50.0]) == {"d_loss", "g_loss", "gp_loss"}
    assert np.isfinite(logs[50.0]["gp_loss"]).all()
    assert logs[0.0]["gp_loss"] == [0.0] * 3
    # The penalty's gradient reaches the discriminator's weights (double
    # backpropagation on every backend): it is much flatter on the data.
    assert norms[50.0] < 0.5 * norms[0.0]


def test_wgan_gp_fit_evaluate_save_and_load(ring_data, tmp_path):
    gan = tiny_gan()
    gan.compile(adversarial_loss="wasserstein", discriminator_steps=2,
                gradient_penalty=kag.regularizers.GradientPenalty(10.0),
                consistency_loss="manifold")
    history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0)
    assert history.history["gp_loss"][-1] < history.history["gp_loss"][0]
    logs = gan.evaluate(ring_data, batch_size=128, verbose=0,
                        return_dict=True)
    assert np.isfinite(logs["gp_loss"]) and logs["gp_loss"] >= 0.0
    path = str(tmp_path / "wgan_gp.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.gradient_penalty,
                      kag.regularizers.GradientPenalty)
    assert loaded.gradient_penalty.weight == 10.0
    loaded.fit(ring_data, batch_size=64, epochs=1, verbose=0)


def test_r3gan_fit_flattens_the_discriminator_on_both_sets_and_reloads(
        ring_data, tmp_path):
    norms = {}
    for gamma in (0.0, 50.0):
        gan = tiny_gan(seed=0)
        gan.compile(adversarial_loss="rpgan", consistency_loss=None,
                    gradient_penalty=(
                        kag.regularizers.ZeroCenteredGradientPenalty(gamma)),
                    discriminator_optimizer=keras.optimizers.Adam(1e-2))
        history = gan.fit(ring_data, batch_size=64, epochs=3, verbose=0)
        fake = keras.ops.convert_to_numpy(gan.generate(256, seed=1))
        norms[gamma] = (gradient_norm_on(gan, ring_data),
                        gradient_norm_on(gan, fake))
    assert np.isfinite(history.history["gp_loss"]).all()
    assert min(history.history["gp_loss"]) > 0.0
    # Flatter on the data (R1) and on the generated samples (R2).
    assert norms[50.0][0] < 0.5 * norms[0.0][0]
    assert norms[50.0][1] < 0.5 * norms[0.0][1]
    path = str(tmp_path / "r3gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    penalty = loaded.gradient_penalty
    assert type(penalty) is kag.regularizers.ZeroCenteredGradientPenalty
    assert (penalty.gamma, penalty.real, penalty.fake) == (50.0, True, True)
    r2 = kag.regularizers.R2Penalty(0.5)
    assert type(r2).from_config(r2.get_config()).get_config() == {
        "gamma": 0.5, "every": 1}


class _PenaltyLogs(keras.callbacks.Callback):
    """The running mean of gp_loss after each batch of the epoch."""

    def __init__(self):
        super().__init__()
        self.values = []

    def on_train_batch_end(self, batch, logs=None):
        self.values.append(float(logs["gp_loss"]))


def test_lazy_penalty_every_kth_step_times_k_and_reloads(ring_data,
                                                         tmp_path):
    x = np.asarray(ring_data[:256])
    gan = tiny_gan(seed=0)
    r1 = kag.regularizers.R1Penalty(2.0, every=3)
    # The unscaled R1 penalty on the first batch, before any update.
    first = float(keras.ops.convert_to_numpy(
        kag.regularizers.R1Penalty(2.0)(gan.discriminator, x[:32], x[:32])))
    gan.compile(consistency_loss=None, gradient_penalty=r1)
    logs = _PenaltyLogs()
    before = [w.copy() for w in gan.discriminator.get_weights()]
    gan.fit(x, batch_size=32, epochs=1, shuffle=False, verbose=0,
            callbacks=[logs])
    running = np.asarray(logs.values)
    # Steps 0, 3, 6: 3x the penalty; steps 1, 2, 4, 5, 7: 0 (the logged
    # value is the epoch's running mean).
    sums = running * np.arange(1, 9)
    assert sums[0] == pytest.approx(3 * first, rel=1e-4)
    assert sums[1] == pytest.approx(sums[0], rel=1e-5)
    assert sums[2] == pytest.approx(sums[0], rel=1e-5)
    assert sums[3] > sums[2] * 1.01
    assert sums[4] == pytest.approx(sums[3], rel=1e-5)
    assert not any(np.allclose(a, b) for a, b in
                   zip(before, gan.discriminator.get_weights(),
                       strict=True))
    # evaluate() reports the penalty itself, at every step.
    evaluated = gan.evaluate(x[:32], batch_size=32, verbose=0,
                             return_dict=True)["gp_loss"]
    assert evaluated == pytest.approx(float(keras.ops.convert_to_numpy(
        kag.regularizers.R1Penalty(2.0)(gan.discriminator, x[:32],
                                        x[:32]))), rel=1e-4)
    path = str(tmp_path / "lazy.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path).gradient_penalty
    assert (type(loaded), loaded.gamma, loaded.every) == (
        kag.regularizers.R1Penalty, 2.0, 3)
    assert repr(loaded) == "R1Penalty(gamma=2.0, every=3)"


@pytest.mark.parametrize("loss, expected", [
    ("non_saturating", ("R1Penalty", {"gamma": 3.0, "every": 1})),
    ("hinge", ("R1Penalty", {"gamma": 3.0, "every": 1})),
    ("least_squares", ("R1Penalty", {"gamma": 3.0, "every": 1})),
    ("minimax", ("R1Penalty", {"gamma": 3.0, "every": 1})),
    ("rpgan", ("ZeroCenteredGradientPenalty",
               {"gamma": 3.0, "real": True, "fake": True, "every": 1})),
    ("wasserstein", ("GradientPenalty", {"weight": 10.0, "every": 1})),
])
def test_compile_adds_the_objectives_recommended_penalty(loss, expected):
    gan = tiny_gan()
    gan.compile(adversarial_loss=loss)
    penalty = gan.gradient_penalty
    assert (type(penalty).__name__, penalty.get_config()) == expected
    gan.compile(adversarial_loss=loss, gradient_penalty=None)
    assert gan.gradient_penalty is None


@pytest.mark.parametrize("value, error, match", [
    ("r1", ValueError, "Unknown gradient_penalty: 'r1'.*R1Penalty"),
    (10.0, TypeError, "gradient_penalty must be None"),
])
def test_bad_gradient_penalty_in_compile(value, error, match):
    gan = tiny_gan()
    with pytest.raises(error, match=match):
        gan.compile(gradient_penalty=value)
    assert not gan.compiled


@pytest.mark.parametrize("cls, kwargs, error", [
    (kag.regularizers.R1Penalty, {"gamma": -1.0}, ValueError),
    (kag.regularizers.GradientPenalty, {"weight": "10"}, TypeError),
    (kag.regularizers.R2Penalty, {"gamma": -0.1}, ValueError),
    (kag.regularizers.ZeroCenteredGradientPenalty, {"real": "yes"},
     TypeError),
    (kag.regularizers.ZeroCenteredGradientPenalty, {"every": 0}, ValueError),
    (kag.regularizers.GradientPenalty, {"every": 2.5}, TypeError),
])
def test_bad_penalty_weights(cls, kwargs, error):
    with pytest.raises(error, match=list(kwargs)[0]):
        cls(**kwargs)


def test_zero_centered_penalty_needs_a_set_to_penalize():
    with pytest.raises(ValueError, match="real=True, fake=True or both"):
        kag.regularizers.ZeroCenteredGradientPenalty(real=False, fake=False)

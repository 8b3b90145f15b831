import keras
import numpy as np
import pytest

import keras_aegan as kag


@pytest.mark.parametrize(
    "distance, expected",
    [
        # per-sample means over 2 values: sample 0 diffs (1, 3),
        # sample 1 (0, 0.5)
        ("l2", [(1 + 9) / 2, 0.25 / 2]),
        ("l1", [(1 + 3) / 2, 0.5 / 2]),
        ("huber", [(0.5 + 2.5) / 2, 0.125 / 2]),
    ],
)
def test_consistency_distances(distance, expected):
    y_true = np.array([[0.0, 0.0], [1.0, 1.0]], "float32")
    y_pred = np.array([[1.0, -3.0], [1.0, 1.5]], "float32")
    loss = kag.losses.ReconstructionConsistencyLoss(
        "data", distance=distance, weight=2.0, reduction=None)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loss(y_true, y_pred)),
        2.0 * np.array(expected), rtol=1e-6)
    reduced = kag.losses.ReconstructionConsistencyLoss("data", distance)
    np.testing.assert_allclose(float(reduced(y_true, y_pred)),
                               np.mean(expected), rtol=1e-6)


def test_consistency_loss_images_and_serialization():
    loss = kag.losses.ReconstructionConsistencyLoss("latent", "huber",
                                                    weight=0.3, delta=0.5)
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert (clone.kind, clone.distance, clone.weight, clone.delta) == (
        "latent", "huber", 0.3, 0.5)
    loss = kag.losses.ReconstructionConsistencyLoss(noise_level=0.25)
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert (clone.kind, clone.noise_level) == ("manifold", 0.25)
    x = np.ones((2, 4, 4, 3), "float32")
    assert float(loss(x, x)) == 0.0


def test_consistency_loss_in_a_plain_keras_model(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(256, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2),
                              keras.layers.Dense(4)])
    model.compile("adam", loss=kag.losses.ReconstructionConsistencyLoss())
    history = model.fit(x, x, epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = str(tmp_path / "ae.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, kag.losses.ReconstructionConsistencyLoss)


@pytest.mark.parametrize("kwargs, error", [
    ({"kind": "pixels"}, ValueError), ({"distance": "l3"}, ValueError),
    ({"weight": -1.0}, ValueError), ({"weight": "1"}, TypeError),
    ({"noise_level": -0.1}, ValueError), ({"noise_level": "0.1"}, ValueError),
    ({"kind": "data", "noise_level": 0.2}, ValueError)])
def test_consistency_loss_bad_arguments(kwargs, error):
    with pytest.raises(error):
        kag.losses.ReconstructionConsistencyLoss(**kwargs)


def test_non_saturating_loss_by_hand():
    loss = kag.losses.NonSaturatingLoss()
    real = np.array([[2.0], [0.0]], "float32")
    fake = np.array([[-1.0], [1.0]], "float32")
    softplus = lambda v: np.log1p(np.exp(v))  # noqa: E731
    expected_d = softplus(-real).mean() + softplus(fake).mean()
    np.testing.assert_allclose(float(loss.discriminator_loss(real, fake)),
                               expected_d, rtol=1e-6)
    np.testing.assert_allclose(float(loss.generator_loss(fake)),
                               softplus(-fake).mean(), rtol=1e-6)
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(loss))
    assert isinstance(clone, kag.losses.NonSaturatingLoss)

"""The GAN layers: MinibatchStandardDeviation, PackSamples,
DifferentiableAugmentation and PixelNormalization, on every backend."""

import itertools

import keras
import numpy as np
import pytest
from keras import ops

import keras_aegan as kag
from conftest import tiny_nets
from keras_aegan.src.layers import differentiable_augmentation as diffaug
from keras_aegan.src.layers.differentiable_augmentation import (
    DifferentiableAugmentation,
)
from keras_aegan.src.layers.minibatch_standard_deviation import (
    MinibatchStandardDeviation,
)
from keras_aegan.src.layers.pack_samples import PackSamples
from keras_aegan.src.layers.pixel_normalization import PixelNormalization

# (class, constructor kwargs, input shape with its batch size) per layer.
CASES = [
    (MinibatchStandardDeviation, {"group_size": 2}, (4, 4, 4, 3)),
    (PackSamples, {"num_packed": 2}, (4, 4, 4, 3)),
    (DifferentiableAugmentation, {"policy": "color,translation,cutout",
                                  "seed": 3}, (4, 8, 8, 3)),
    (DifferentiableAugmentation, {"policy": "translation", "seed": 3,
                                  "adaptive": True, "target": 0.5,
                                  "adjustment_images": 1000, "interval": 2},
     (4, 8, 8, 3)),
    (PixelNormalization, {"epsilon": 1e-6}, (4, 4, 4, 3)),
]
CASE_IDS = [case[0].__name__ + ("_adaptive" if case[1].get("adaptive")
                                else "") for case in CASES]


def numpy(x):
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32")))


def random_images(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32")


def trainable_weights_of(model):
    return [numpy(v) for v in model.trainable_weights]


def layer_moved(before, model):
    return any(not np.allclose(a, b)
               for a, b in zip(before, trainable_weights_of(model),
                               strict=True))


def input_gradient(layer, x):
    """d sum(layer(x, training=True)) / dx, with the backend's autodiff."""
    layer.build(x.shape)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = ops.sum(layer(x, training=True))
        return tape.gradient(total, x).numpy()
    if backend == "jax":
        import jax

        states = [v.value for v in layer.non_trainable_variables]
        trainable = [v.value for v in layer.trainable_variables]

        def total(x):
            y, _ = layer.stateless_call(trainable, states, x, training=True)
            return ops.sum(y)

        return np.asarray(jax.grad(total)(x))
    import torch

    x = torch.tensor(x, requires_grad=True)
    ops.sum(layer(x, training=True)).backward()
    return x.grad.numpy()


@pytest.fixture
def mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


# --- every layer --------------------------------------------------------


@pytest.mark.parametrize("cls, kwargs, shape", CASES, ids=CASE_IDS)
def test_config_round_trip(cls, kwargs, shape):
    layer = cls(**kwargs, name="layer_under_test")
    config = layer.get_config()
    for key, value in kwargs.items():
        assert config[key] == value
        assert getattr(layer, key) == value
    assert config["name"] == "layer_under_test"
    clone = cls.from_config(config)
    assert clone.get_config() == config
    registered = keras.saving.get_registered_name(cls)
    assert registered == f"keras_aegan>{cls.__name__}"
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer))
    assert type(restored) is cls and restored.get_config() == config


@pytest.mark.parametrize("cls, kwargs, shape", CASES, ids=CASE_IDS)
def test_symbolic_and_eager_calls(cls, kwargs, shape):
    layer = cls(**kwargs)
    symbolic = layer(keras.Input(shape[1:]))
    assert tuple(symbolic.shape) == layer.compute_output_shape(
        (None,) + shape[1:])
    fixed = cls(**kwargs)(keras.Input(shape[1:], batch_size=shape[0]))
    expected = layer.compute_output_shape(shape)
    assert tuple(fixed.shape) == expected and expected[0] is not None
    x = random_images(shape)
    eager = layer(x)
    assert tuple(eager.shape) == expected
    assert np.all(np.isfinite(numpy(eager)))
    augmented = layer(x, training=True) if cls is DifferentiableAugmentation \
        else eager
    assert tuple(augmented.shape) == expected


@pytest.mark.parametrize("cls, kwargs, shape", CASES, ids=CASE_IDS)
def test_save_and_load(cls, kwargs, shape, tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape[1:])
    features = keras.layers.Conv2D(3, 1)(inputs)
    outputs = keras.layers.Dense(2)(cls(**kwargs)(features))
    model = keras.Model(inputs, outputs)
    x = random_images(shape)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.layers[2], cls)
    assert loaded.layers[2].get_config() == model.layers[2].get_config()
    np.testing.assert_allclose(numpy(loaded(x)), numpy(model(x)), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("cls, kwargs, shape", CASES, ids=CASE_IDS)
def test_mixed_precision(cls, kwargs, shape, mixed_bfloat16):
    layer = cls(**kwargs)
    assert layer.compute_dtype == "bfloat16"
    assert layer.variable_dtype == "float32"
    inputs = keras.Input(shape[1:])
    outputs = layer(keras.layers.Conv2D(3, 1)(inputs))
    assert keras.backend.standardize_dtype(outputs.dtype) == "bfloat16"
    model = keras.Model(inputs, outputs)
    x = random_images(shape)
    for training in (False, True):
        y = model(x, training=training)
        assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
        assert tuple(y.shape) == layer.compute_output_shape(shape)
        assert np.all(np.isfinite(numpy(y)))


# --- model.fit with each layer ------------------------------------------


def fit_and_check(model, x, y, layer=None):
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    before = trainable_weights_of(model)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert layer_moved(before, model)
    return history


def test_fit_minibatch_standard_deviation():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((4, 4, 3)), keras.layers.Conv2D(2, 1),
        MinibatchStandardDeviation(group_size=2), keras.layers.Flatten(),
        keras.layers.Dense(1)])
    x = random_images((8, 4, 4, 3))
    fit_and_check(model, x, np.ones((8, 1), "float32"))


def test_fit_pixel_normalization():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(4), PixelNormalization(),
        keras.layers.Dense(1)])
    x = random_images((8, 4))
    fit_and_check(model, x, np.ones((8, 1), "float32"))


def test_fit_differentiable_augmentation():
    keras.utils.set_random_seed(0)
    augmentation = DifferentiableAugmentation(seed=1)
    model = keras.Sequential([
        keras.Input((8, 8, 3)), augmentation, keras.layers.Conv2D(2, 3),
        keras.layers.Flatten(), keras.layers.Dense(1)])
    state = numpy(augmentation.seed_generator.state)
    x = random_images((8, 8, 8, 3))
    fit_and_check(model, x, np.ones((8, 1), "float32"))
    # The augmentation ran (training=True) and drew fresh numbers per step.
    assert not np.array_equal(numpy(augmentation.seed_generator.state), state)


def test_fit_pack_samples_in_a_gan_discriminator(ring_data):
    # A packed discriminator outputs batch / 2 logits; the GAN losses average.
    nets = tiny_nets()
    discriminator = keras.Sequential([
        keras.Input((2,)), PackSamples(num_packed=2),
        keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    assert tuple(discriminator(np.zeros((4, 2), "float32")).shape) == (2, 1)
    gan = kag.StabilizedGAN(nets.generator, discriminator, seed=0)
    gan.compile()
    before = trainable_weights_of(discriminator)
    history = gan.fit(ring_data[:64], batch_size=16, epochs=2, verbose=0)
    assert all(np.all(np.isfinite(history.history[key]))
               for key in ("g_loss", "d_loss"))
    assert layer_moved(before, discriminator)


def test_fit_pack_samples_in_a_plain_model():
    # A packed model has batch / 2 outputs, so it cannot take per-sample
    # targets: here the target is a constant of the packed shape.
    class Packed(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            return super().compute_loss(x, ops.ones_like(y_pred), y_pred,
                                        training=training)

    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 3))
    packed = PackSamples(num_packed=2)(inputs)
    outputs = keras.layers.Dense(1)(keras.layers.Flatten()(packed))
    model = Packed(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    before = trainable_weights_of(model)
    history = model.fit(random_images((8, 4, 4, 3)), batch_size=4, epochs=2,
                        verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert layer_moved(before, model)


# --- MinibatchStandardDeviation -----------------------------------------


def numpy_minibatch_std(x, group_size):
    group = min(group_size, len(x))
    grouped = x.reshape((-1, group) + x.shape[1:]).astype("float64")
    std = np.sqrt(grouped.var(axis=1) + 1e-8)
    statistic = std.reshape(len(std), -1).mean(axis=1)
    feature = np.repeat(statistic, group).reshape(
        (-1,) + (1,) * (x.ndim - 1))
    feature = np.broadcast_to(feature, x.shape[:-1] + (1,))
    return np.concatenate([x, feature], axis=-1)


def test_minibatch_std_hand_made_example():
    # Group 0: features (0, 2) and (1, 3) have std 1; group 1 is constant.
    x = np.array([[0, 1], [2, 3], [5, 5], [5, 5]], "float32")
    y = numpy(MinibatchStandardDeviation(group_size=2)(x))
    np.testing.assert_allclose(y[:, :2], x)
    np.testing.assert_allclose(y[:, 2], [1, 1, 1e-4, 1e-4], rtol=1e-4)
    # One group of 4: stds (sqrt(4.5), sqrt(2.75)) -> mean 1.8898.
    y = numpy(MinibatchStandardDeviation(group_size=4)(x))
    np.testing.assert_allclose(y[:, 2], (np.sqrt(4.5) + np.sqrt(2.75)) / 2,
                               rtol=1e-5)


@pytest.mark.parametrize("shape, group_size", [
    ((8, 5), 4), ((6, 4, 4, 3), 2), ((3, 4, 4, 3), 4), ((4, 2, 3, 2, 2), 4)])
def test_minibatch_std_matches_numpy(shape, group_size):
    x = random_images(shape, seed=1)
    y = numpy(MinibatchStandardDeviation(group_size)(x))
    assert y.shape == shape[:-1] + (shape[-1] + 1,)
    np.testing.assert_allclose(y, numpy_minibatch_std(x, group_size),
                               rtol=1e-5, atol=1e-6)


def test_minibatch_std_batch_not_divisible():
    layer = MinibatchStandardDeviation(group_size=4)
    match = r"multiple of min\(group_size, batch\) = 4, got a batch of 6"
    with pytest.raises(ValueError, match=match):
        layer(np.zeros((6, 3), "float32"))
    with pytest.raises(ValueError, match=match):
        MinibatchStandardDeviation(4)(keras.Input((3,), batch_size=6))
    assert tuple(layer(np.zeros((3, 3), "float32")).shape) == (3, 4)


# --- PackSamples ----------------------------------------------------------


def numpy_pack(x, m):
    # The definition as a loop: out[i, ..., k*C + c] = x[i*m + k, ..., c].
    out = np.zeros((len(x) // m,) + x.shape[1:-1] + (m * x.shape[-1],),
                   x.dtype)
    channels = x.shape[-1]
    for i in range(len(x) // m):
        for k in range(m):
            out[i, ..., k * channels:(k + 1) * channels] = x[i * m + k]
    return out


def test_pack_samples_hand_made_example():
    x = np.arange(12, dtype="float32").reshape(6, 2)
    y = numpy(PackSamples(num_packed=3)(x))
    np.testing.assert_array_equal(
        y, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])


@pytest.mark.parametrize("shape, num_packed", [
    ((6, 5), 2), ((6, 5), 3), ((4, 3, 2, 3), 2), ((4, 2, 2, 2, 1), 4)])
def test_pack_samples_matches_numpy(shape, num_packed):
    x = random_images(shape, seed=2)
    y = numpy(PackSamples(num_packed)(x))
    np.testing.assert_array_equal(y, numpy_pack(x, num_packed))


def test_pack_samples_batch_not_divisible():
    match = r"multiple of 2, got a batch of 5 samples"
    with pytest.raises(ValueError, match=match):
        PackSamples(2)(np.zeros((5, 4, 4, 3), "float32"))
    with pytest.raises(ValueError, match=match):
        PackSamples(2)(keras.Input((3,), batch_size=5))
    layer = PackSamples(2)
    layer(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError, match=match):
        layer(np.zeros((5, 3), "float32"))


# --- DifferentiableAugmentation ------------------------------------------


def test_color_transform_matches_numpy():
    x = random_images((2, 3, 3, 3), seed=3)
    magnitudes = [np.array(v, "float32").reshape(2, 1, 1, 1)
                  for v in ([0.3, -0.2], [0.5, 1.7], [1.2, 0.6])]
    y = numpy(diffaug._adjust_color(x, *magnitudes))
    brightness, saturation, contrast = magnitudes
    expected = x + brightness
    mean = expected.mean(axis=3, keepdims=True)
    expected = (expected - mean) * saturation + mean
    mean = expected.mean(axis=(1, 2, 3), keepdims=True)
    expected = (expected - mean) * contrast + mean
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_translate_and_cutout_match_numpy():
    x = np.arange(2 * 4 * 5 * 1, dtype="float32").reshape(2, 4, 5, 1) + 1
    y = numpy(diffaug._translate(x, np.array([1, -2]), np.array([0, 3])))
    # out[b, i, j] = x[b, i + dy, j + dx], zero outside the image.
    expected = np.zeros_like(x)
    expected[0, :3] = x[0, 1:]
    expected[1, 2:, :2] = x[1, :2, 3:]
    np.testing.assert_array_equal(y, expected)
    y = numpy(diffaug._cutout(x, np.array([-1, 2]), np.array([1, 3]), 2, 3))
    expected = x.copy()
    expected[0, 0:1, 1:4] = 0
    expected[1, 2:4, 3:5] = 0
    np.testing.assert_array_equal(y, expected)


def test_augmentation_identity_unless_training():
    layer = DifferentiableAugmentation(seed=0)
    x = random_images((2, 8, 8, 3))
    np.testing.assert_array_equal(numpy(layer(x)), x)
    np.testing.assert_array_equal(numpy(layer(x, training=False)), x)
    assert not np.allclose(numpy(layer(x, training=True)), x)
    empty = DifferentiableAugmentation(policy="", seed=0)
    np.testing.assert_array_equal(numpy(empty(x, training=True)), x)


def test_augmentation_translation_is_a_shift_per_sample():
    x = random_images((6, 8, 8, 1), seed=4) + 3.0  # no zeros in the images
    y = numpy(DifferentiableAugmentation("translation", seed=5)(
        x, training=True))
    shifts = []
    for image, augmented in zip(x, y, strict=True):
        matches = [(dy, dx) for dy, dx in itertools.product(range(-1, 2),
                                                            repeat=2)
                   if np.array_equal(numpy(diffaug._translate(
                       image[None], np.array([dy]), np.array([dx])))[0],
                       augmented)]
        assert len(matches) == 1  # round(8 / 8) = 1 pixel at most
        shifts.append(matches[0])
    assert len(set(shifts)) > 1  # drawn per sample


def test_augmentation_cutout_zeroes_one_square_per_sample():
    x = random_images((6, 8, 8, 2), seed=6) + 3.0
    y = numpy(DifferentiableAugmentation("cutout", seed=7)(x, training=True))
    corners = set()
    for image, augmented in zip(x, y, strict=True):
        zero = np.all(augmented == 0, axis=-1)
        np.testing.assert_array_equal(augmented[~zero], image[~zero])
        rows, cols = np.nonzero(zero)
        # A 4 x 4 square (round(8 / 2)), cut by the border if it sticks out.
        assert zero[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
        height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
        assert height == 4 or (height >= 2 and rows.min() in (0, 8 - height))
        assert width == 4 or (width >= 2 and cols.min() in (0, 8 - width))
        corners.add((rows.min(), cols.min()))
    assert len(corners) > 1


def test_augmentation_color_is_affine_per_sample():
    # On a gray image (equal channels) saturation has no effect, so the
    # output is c * x + (1 - c) * mean(x) + b, c ~ U(0.5, 1.5), b ~ U(-.5, .5).
    gray = np.repeat(random_images((6, 4, 4, 1), seed=8), 3, axis=-1)
    y = numpy(DifferentiableAugmentation("color", seed=9)(gray,
                                                          training=True))
    slopes = []
    for image, augmented in zip(gray, y, strict=True):
        c, intercept = np.polyfit(image.ravel(), augmented.ravel(), 1)
        b = intercept - (1 - c) * image.mean()
        assert 0.5 <= c <= 1.5 and -0.5 <= b <= 0.5
        np.testing.assert_allclose(augmented, c * image + intercept,
                                   atol=1e-5)
        slopes.append(c)
    assert np.ptp(slopes) > 0


def test_augmentation_seeded_and_random_per_call():
    x = random_images((4, 8, 8, 3))
    first = DifferentiableAugmentation(seed=11)
    second = DifferentiableAugmentation(seed=11)
    a = numpy(first(x, training=True))
    np.testing.assert_allclose(a, numpy(second(x, training=True)), atol=1e-6)
    assert not np.allclose(a, numpy(first(x, training=True)))


def test_augmentation_is_differentiable():
    x = random_images((2, 8, 8, 3))
    for policy in ("color", "translation", "cutout",
                   "color,translation,cutout"):
        gradient = input_gradient(DifferentiableAugmentation(policy, seed=0),
                                  x)
        assert gradient.shape == x.shape
        assert np.all(np.isfinite(gradient))
        assert np.any(gradient != 0)


def test_augmentation_needs_images():
    layer = DifferentiableAugmentation()
    with pytest.raises(ValueError, match=r"channels-last images.*\(2, 8\)"):
        layer(np.zeros((2, 8), "float32"))
    with pytest.raises(ValueError, match="known height and width"):
        DifferentiableAugmentation()(keras.Input((None, None, 3)))


# --- PixelNormalization ---------------------------------------------------


def test_pixel_normalization_matches_numpy():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], "float32")
    y = numpy(PixelNormalization()(x))
    np.testing.assert_allclose(y, [[3 / 12.5 ** 0.5, 4 / 12.5 ** 0.5],
                                   [0, 0]], rtol=1e-6)
    x = random_images((3, 4, 4, 5), seed=10)
    y = numpy(PixelNormalization(epsilon=0.1)(x))
    expected = x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + 0.1)
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    y = numpy(PixelNormalization()(x))
    np.testing.assert_allclose(np.mean(y ** 2, axis=-1), 1.0, rtol=1e-4)


# --- bad arguments --------------------------------------------------------


@pytest.mark.parametrize("cls, kwargs, error, match", [
    (MinibatchStandardDeviation, {"group_size": 1}, ValueError,
     r"`group_size` must be an int >= 2.*got 1\b"),
    (MinibatchStandardDeviation, {"group_size": "4"}, TypeError,
     r"`group_size` must be an int >= 2, got '4' of type str"),
    (MinibatchStandardDeviation, {"group_size": True}, TypeError,
     r"got True of type bool"),
    (PackSamples, {"num_packed": 1}, ValueError,
     r"`num_packed` must be an int >= 2, got 1\."),
    (PackSamples, {"num_packed": 2.0}, TypeError,
     r"`num_packed` must be an int >= 2, got 2\.0 of type float"),
    (DifferentiableAugmentation, {"policy": "color,zoom"}, ValueError,
     r"unknown augmentation\(s\) 'zoom'.*Valid names: 'color', "
     r"'translation', 'cutout'"),
    (DifferentiableAugmentation, {"policy": 3}, TypeError,
     r"`policy` must be a comma-separated string.*got 3 of type int"),
    (DifferentiableAugmentation, {"seed": "1"}, TypeError,
     r"`seed` must be an int or None, got '1'"),
    (PixelNormalization, {"epsilon": 0.0}, ValueError,
     r"`epsilon` must be a float > 0, got 0\.0"),
    (PixelNormalization, {"epsilon": -1e-8}, ValueError, r"got -1e-08"),
    (PixelNormalization, {"epsilon": "1e-8"}, TypeError,
     r"got '1e-8' of type str"),
])
def test_bad_arguments(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls(**kwargs)


def test_policy_accepts_spaces_and_lists():
    layer = DifferentiableAugmentation(" color , cutout ")
    assert layer.policy == "color,cutout"
    layer = DifferentiableAugmentation(["translation", "cutout"])
    assert layer.get_config()["policy"] == "translation,cutout"
    assert DifferentiableAugmentation("").policy == ""


@pytest.mark.parametrize("cls", [MinibatchStandardDeviation, PackSamples])
def test_rank_one_inputs_are_rejected(cls):
    with pytest.raises(ValueError, match=r"rank >= 2.*\(4,\)"):
        cls()(np.zeros((4,), "float32"))


# ----------------------------------------------------------------------
# Adaptive augmentation (ADA)
# ----------------------------------------------------------------------
def test_adaptive_probability_follows_the_sign_of_the_real_logits():
    """Every `interval` updates p moves by seen / adjustment_images, up
    when E[sign(D(x_real))] > target, down otherwise, within [0, 1]."""
    layer = kag.layers.DifferentiableAugmentation(
        "translation", adaptive=True, target=0.6, adjustment_images=100,
        interval=2)
    layer.build((None, 8, 8, 1))

    def p():
        return float(ops.convert_to_numpy(layer.probability))

    sure, unsure = np.ones((10, 1)), np.array([[1.0]] * 7 + [[-1.0]] * 3)
    layer.update_probability(sure)
    assert p() == 0.0  # waits for the second update
    layer.update_probability(sure)
    np.testing.assert_allclose(p(), 0.2)  # 20 images / 100
    layer.update_probability(unsure)      # mean sign 0.4 < 0.6
    layer.update_probability(unsure)
    np.testing.assert_allclose(p(), 0.0, atol=1e-7)
    layer.update_probability(-sure)
    layer.update_probability(-sure)
    assert p() == 0.0                     # clipped at 0
    images = np.ones((64, 8, 8, 1), "float32")
    # p = 0: the images pass unchanged, also in training.
    np.testing.assert_array_equal(
        ops.convert_to_numpy(layer(images, training=True)), images)
    layer.probability.assign(1.0)
    shifted = ops.convert_to_numpy(layer(images, training=True))
    assert (np.abs(shifted - images).reshape(64, -1).max(axis=1) > 0).mean(
        ) > 0.5


def ada_gan(size, adjustment_images=10_000):
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan((8, 8, 1), 16, hidden_units=(128, 128),
                              activation="relu", output_activation="tanh")
    augment = kag.layers.DifferentiableAugmentation(
        "translation,cutout", seed=0, adaptive=True,
        adjustment_images=adjustment_images)
    images = keras.Input((8, 8, 1))
    discriminator = keras.Model(images, nets.discriminator(augment(images)))
    gan = kag.StabilizedGAN(nets.generator, discriminator, seed=0)
    gan.compile(consistency_loss=None)
    return gan, augment


def test_adaptive_augmentation_trains_logs_and_reloads(tmp_path):
    """p rises from 0 while the discriminator is sure of a tiny training
    set; fit logs it as augment_p; save/load keeps it."""
    x, _ = kag.datasets.digits()
    gan, augment = ada_gan(32, adjustment_images=2_000)
    history = gan.fit(x[:32], batch_size=32, epochs=40, verbose=0)
    p = history.history["augment_p"]
    assert p[0] < p[-1] and p[-1] > 0.3, p
    np.testing.assert_allclose(
        float(ops.convert_to_numpy(augment.probability)), p[-1], rtol=1e-6)
    path = str(tmp_path / "ada.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    (layer,) = [layer for layer in loaded.discriminator._flatten_layers()
                if isinstance(layer, kag.layers.DifferentiableAugmentation)]
    np.testing.assert_allclose(
        float(ops.convert_to_numpy(layer.probability)), p[-1], rtol=1e-6)
    assert layer.adaptive and layer.adjustment_images == 2_000
    with pytest.raises(ValueError, match="logit loss"):
        nets = kag.models.mlp_gan((8, 8, 1), 8, hidden_units=(8,),
                                  autoencoder_discriminator=True)
        adaptive = kag.layers.DifferentiableAugmentation(adaptive=True)
        energy = kag.models.AutoencoderDiscriminator(
            keras.Sequential([adaptive, nets.discriminator.encoder]),
            nets.discriminator.decoder)
        kag.StabilizedGAN(nets.generator, energy).compile(
            adversarial_loss="ebgan")


@pytest.mark.backend_independent
def test_adaptive_probability_stays_low_on_more_data():
    """Over 1,200 steps: on 32 images the discriminator stays sure of the
    training set and p stays up; on 1,792 the generator catches up and p
    goes back to 0 after the first phase."""
    x, _ = kag.datasets.digits()
    late = {}
    for size in (32, 1792):
        gan, _ = ada_gan(size)
        history = gan.fit(x[:size], batch_size=32,
                          epochs=1200 // (size // 32), verbose=0)
        p = history.history["augment_p"]
        late[size] = float(np.mean(p[-len(p) // 3:]))
    assert late[32] > late[1792] + 0.1 and late[1792] < 0.1, late

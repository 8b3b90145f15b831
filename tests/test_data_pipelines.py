"""Data pipelines into a real `gan.fit` on every backend: TFDS via
`kag.datasets.load_tfds`, `keras.utils.PyDataset`, a torch `DataLoader`, and
a keras-cv augmentation in a `tf.data` pipeline."""

import math
import sys

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import moved
from conftest import tiny_gan
from conftest import weights_of

# XLA compilation would dominate these short fits on TensorFlow.
FAST = {"jit_compile": keras.backend.backend() == "jax"}


def fit_and_check(gan, x, steps, **kwargs):
    """Fits one epoch on `x`; checks that both networks trained `steps`
    steps and moved."""
    gan.compile(consistency_loss=None, **FAST)
    before = {name: weights_of(getattr(gan, name))
              for name in ("generator", "discriminator")}
    history = gan.fit(x, epochs=1, verbose=0, **kwargs)
    assert np.isfinite(history.history["g_loss"][0])
    assert np.isfinite(history.history["d_loss"][0])
    assert int(gan.generator_optimizer.iterations) == steps
    for name, weights in before.items():
        assert moved(weights, getattr(gan, name)), name


def image_gan(seed=0):
    keras.utils.set_random_seed(seed)
    nets = kag.models.mlp_gan((8, 8, 1), 4, hidden_units=(16,),
                              output_activation="tanh")
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=seed)


# ----------------------------------------------------------------------
# kag.datasets.load_tfds
# ----------------------------------------------------------------------
@pytest.mark.backend_independent
def test_load_tfds_yields_scaled_float_batches():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=40):
        raw = [example["image"].numpy()
               for example in tfds.load("mnist", split="train").take(16)]
        batches = [b.numpy() for b in kag.datasets.load_tfds(
            "mnist", batch_size=16, shuffle_buffer=0, drop_remainder=False)]
        assert [b.shape for b in batches] == [(16, 28, 28, 1)] * 2 + [
            (8, 28, 28, 1)]
        assert all(b.dtype == np.float32 for b in batches)
        # x / 255 * 2 - 1, in order when not shuffled.
        np.testing.assert_allclose(
            batches[0], np.stack(raw).astype("float32") / 127.5 - 1.0,
            atol=1e-6)

        resized = [b.numpy() for b in kag.datasets.load_tfds(
            "mnist", image_size=(8, 6), batch_size=16, seed=0)]
        assert [b.shape for b in resized] == [(16, 8, 6, 1)] * 2
        values = np.concatenate(resized)
        assert values.dtype == np.float32
        assert values.min() >= -1.0 and values.max() <= 1.0
        assert values.std() > 0.01

        with pytest.raises(ValueError, match="no feature 'picture'.*"
                           r"\['image', 'label'\]"):
            kag.datasets.load_tfds("mnist", image_key="picture")
        with pytest.raises(ValueError, match="expected 8-bit images"):
            kag.datasets.load_tfds("mnist", image_key="label")


@pytest.mark.backend_independent
def test_load_tfds_bad_arguments_and_missing_package(monkeypatch):
    with pytest.raises(ValueError, match="`image_size` must be None"):
        kag.datasets.load_tfds("mnist", image_size=0)
    with pytest.raises(ValueError, match="`image_size`"):
        kag.datasets.load_tfds("mnist", image_size=(8, 8, 1))
    with pytest.raises(ValueError, match="`batch_size` must be an int >= 1"):
        kag.datasets.load_tfds("mnist", batch_size=0)
    with pytest.raises(ValueError, match="`shuffle_buffer`"):
        kag.datasets.load_tfds("mnist", shuffle_buffer=-1)
    with pytest.raises(ValueError, match="`name`"):
        kag.datasets.load_tfds("")
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(ImportError, match="pip install tensorflow-datasets"):
        kag.datasets.load_tfds("mnist")


def test_gan_fits_on_a_tfds_pipeline():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=64):
        images = kag.datasets.load_tfds("mnist", image_size=8, batch_size=16,
                                        seed=0)
        gan = image_gan()
        assert gan.data_shape == (8, 8, 1)
        fit_and_check(gan, images, steps=4)


# ----------------------------------------------------------------------
# keras.utils.PyDataset and torch DataLoader
# ----------------------------------------------------------------------
class RingBatches(keras.utils.PyDataset):
    """Batches of an array, in a fixed shuffled order."""

    def __init__(self, x, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x = x[np.random.default_rng(0).permutation(len(x))]
        self.batch_size = batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        return self.x[index * self.batch_size:(index + 1) * self.batch_size]


def test_fit_on_a_py_dataset(ring_data):
    fit_and_check(tiny_gan(), RingBatches(ring_data, 128), steps=4)


@pytest.mark.parametrize("batches", ["tuples", "tensors"])
def test_fit_on_a_torch_data_loader(ring_data, batches):
    torch = pytest.importorskip("torch")

    class Points(torch.utils.data.Dataset):
        def __init__(self, x):
            self.x = torch.from_numpy(x)

        def __len__(self):
            return len(self.x)

        def __getitem__(self, index):
            return (self.x[index],) if batches == "tuples" else self.x[index]

    loader = torch.utils.data.DataLoader(
        Points(ring_data), batch_size=128, shuffle=True,
        generator=torch.Generator().manual_seed(0))
    batch = next(iter(loader))
    if batches == "tuples":
        assert isinstance(batch, list) and len(batch) == 1
        batch = batch[0]
    assert isinstance(batch, torch.Tensor)
    assert batch.dtype == torch.float32 and tuple(batch.shape) == (128, 2)
    if batches == "tensors" and keras.backend.backend() != "torch":
        # Keras 3.15 would split such batches into rows on these backends
        # (keras-team/keras#23080): fit() says so and how to fix it.
        gan = tiny_gan()
        gan.compile(consistency_loss=None)
        with pytest.raises(ValueError, match=r"return a tuple `\(x,\)`"):
            gan.fit(loader, epochs=1, verbose=0)
        return
    fit_and_check(tiny_gan(), loader, steps=4)


# ----------------------------------------------------------------------
# Labelled batches (x, y) for a class-conditional GAN
# ----------------------------------------------------------------------
def ring_labels(x):
    _, centers = kag.datasets.ring(8, seed=0)
    return np.argmin(((x[:, None] - centers[None]) ** 2).sum(-1),
                     axis=1).astype("int32")


def conditional_fit_and_check(data, steps):
    """One epoch of a conditional GAN on labelled batches: the label
    embedding and the class projection (labels reach both networks)
    train."""
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan(2, 4, hidden_units=(16,), num_classes=8)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=None, **FAST)
    embeddings = [gan.generator.get_layer("label_embedding"),
                  gan.discriminator.get_layer("class_projection")]
    before = [np.array(layer.get_weights()[0]) for layer in embeddings]
    history = gan.fit(data, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    assert int(gan.generator_optimizer.iterations) == steps
    for layer, weights in zip(embeddings, before, strict=True):
        assert not np.allclose(layer.get_weights()[0], weights), layer.name
    return gan


class LabelledRingBatches(RingBatches):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(x, batch_size, **kwargs)
        self.y = y[np.random.default_rng(0).permutation(len(y))]

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]


def test_conditional_fit_on_a_py_dataset(ring_data):
    y = ring_labels(ring_data)
    gan = conditional_fit_and_check(
        LabelledRingBatches(ring_data, y, 128), steps=4)
    with pytest.raises(ValueError, match=r"first batch.*\[0, 8\)"):
        gan.fit(LabelledRingBatches(ring_data, y + 8, 128), verbose=0)


def test_conditional_fit_on_a_torch_data_loader(ring_data):
    torch = pytest.importorskip("torch")
    dataset = torch.utils.data.TensorDataset(
        torch.from_numpy(ring_data), torch.from_numpy(ring_labels(ring_data)))
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=128, shuffle=True,
        generator=torch.Generator().manual_seed(0))
    conditional_fit_and_check(loader, steps=4)


# ----------------------------------------------------------------------
# Keras core augmentation (and keras-cv's) in a tf.data pipeline
# ----------------------------------------------------------------------
def test_fit_on_a_keras_core_augmented_tf_data_pipeline():
    """Keras' own augmentation layers inside tf.data (they run on
    TensorFlow there) feed fit() on every backend."""
    tf = pytest.importorskip("tensorflow")
    x, _ = kag.datasets.digits()
    x = x[:128]
    # Layer by layer: a keras.Sequential of them is a model of the Keras
    # backend, which tf.data cannot run on JAX or PyTorch.
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    translate = keras.layers.RandomTranslation(
        0.25, 0.25, fill_mode="constant", fill_value=-1.0, seed=0)

    def augment(batch):
        return translate(flip(batch, training=True), training=True)

    images = (tf.data.Dataset.from_tensor_slices(x)
              .batch(32, drop_remainder=True)
              .map(augment,
                   num_parallel_calls=tf.data.AUTOTUNE)
              .prefetch(tf.data.AUTOTUNE))
    augmented = np.concatenate([b.numpy() for b in images])
    assert augmented.shape == x.shape and augmented.dtype == np.float32
    assert augmented.min() >= -1.0 - 1e-6 and augmented.max() <= 1.0 + 1e-6
    changed = (np.abs(augmented - x) > 1e-6).reshape(len(x), -1).any(axis=1)
    assert changed.mean() > 0.5
    fit_and_check(image_gan(), images, steps=4)


def test_fit_on_a_keras_cv_augmented_tf_data_pipeline():
    tf = pytest.importorskip("tensorflow")
    keras_cv = pytest.importorskip("keras_cv")
    x, _ = kag.datasets.digits()
    x = x[:128]
    cutout = keras_cv.layers.RandomCutout(
        height_factor=0.5, width_factor=0.5, fill_mode="constant",
        fill_value=-1.0, seed=0)
    images = (tf.data.Dataset.from_tensor_slices(x)
              .batch(32, drop_remainder=True)
              .map(lambda batch: cutout(batch, training=True),
                   num_parallel_calls=tf.data.AUTOTUNE)
              .prefetch(tf.data.AUTOTUNE))
    augmented = np.concatenate([b.numpy() for b in images])
    assert augmented.shape == x.shape and augmented.dtype == np.float32
    assert augmented.min() >= -1.0 and augmented.max() <= 1.0
    # The cutouts blank part of the images (to -1, the background).
    changed = (augmented != x).reshape(len(x), -1).any(axis=1)
    assert changed.mean() > 0.5
    assert np.all(augmented[augmented != x] == -1.0)
    fit_and_check(image_gan(), images, steps=4)

"""kag.callbacks.SampleGrid and GenerativeMetrics, inside a real fit."""

import os
import sys
import warnings

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import tiny_gan
from keras_aegan import callbacks
from keras_aegan.src.callbacks import sample_grid

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# XLA compilation would dominate these short fits on TensorFlow.
FAST = {"jit_compile": keras.backend.backend() == "jax"}
MODE_KEYS = ("modes", "modes_strict", "high_quality", "reverse_kl")


def assert_pngs(folder, names):
    assert sorted(os.listdir(folder)) == names
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            content = f.read()
        assert len(content) > 1000 and content.startswith(PNG_SIGNATURE)


def image_summaries(log_dir):
    """`[(step, tag, width, height, decoded image shape)]` of the image
    summaries in the event files of `log_dir`."""
    tf = pytest.importorskip("tensorflow")
    from tensorflow.core.util import event_pb2

    files = [f for f in os.listdir(log_dir) if ".tfevents." in f]
    assert files, f"no event file in {log_dir}: {os.listdir(log_dir)}"
    found, plugins = [], {}
    for name in files:
        records = tf.data.TFRecordDataset(os.path.join(log_dir, name))
        for record in records:
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                # The metadata may come with the first event of a tag only.
                if value.metadata.plugin_data.plugin_name:
                    plugins[value.tag] = value.metadata.plugin_data.plugin_name
                if plugins.get(value.tag) != "images":
                    continue
                width, height, png = value.tensor.string_val
                shape = tuple(tf.io.decode_png(png).shape)
                found.append((event.step, value.tag, int(width), int(height),
                              shape))
    return sorted(found)


def image_gan(seed=0):
    keras.utils.set_random_seed(seed)
    nets = kag.models.mlp_gan((8, 8, 1), 4, hidden_units=(16,),
                              output_activation="tanh")
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=seed)


# ----------------------------------------------------------------------
# SampleGrid
# ----------------------------------------------------------------------
def test_sample_grid_scatter_of_2d_data_and_tensorboard(ring_data, tmp_path,
                                                        monkeypatch):
    # The event record written without TensorBoard installed (tf.summary.image
    # is used instead when it is; the next test covers that case).
    monkeypatch.setattr(sample_grid, "_tensorboard_installed", lambda: False)
    gan = tiny_gan()
    gan.compile(consistency_loss=None, **FAST)
    grid = callbacks.SampleGrid(tmp_path / "png", num_samples=128,
                                real_data=ring_data,
                                tensorboard_log_dir=tmp_path / "tb")
    gan.fit(ring_data, batch_size=128, epochs=2, verbose=0, callbacks=[grid])

    names = ["samples_epoch_0001.png", "samples_epoch_0002.png"]
    assert_pngs(tmp_path / "png", names)
    assert grid.paths == [os.path.join(str(tmp_path / "png"), n)
                          for n in names]
    summaries = image_summaries(str(tmp_path / "tb"))
    assert [(s[0], s[1]) for s in summaries] == [(0, "samples"),
                                                 (1, "samples")]
    for _, _, width, height, shape in summaries:
        assert shape[:2] == (height, width) and width > 100


def test_sample_grid_of_images_every_two_epochs(tmp_path):
    x, _ = kag.datasets.digits()
    gan = image_gan()
    gan.compile(consistency_loss=None, **FAST)
    grid = callbacks.SampleGrid(str(tmp_path / "png"), every=2,
                                num_samples=16,
                                tensorboard_log_dir=str(tmp_path / "tb"))
    gan.fit(x[:256], batch_size=64, epochs=3, verbose=0, callbacks=[grid])

    assert_pngs(tmp_path / "png", ["samples_epoch_0002.png"])
    summaries = image_summaries(str(tmp_path / "tb"))
    assert [(s[0], s[1]) for s in summaries] == [(1, "samples")]
    assert summaries[0][4][:2] == (summaries[0][3], summaries[0][2])


def test_sample_grid_bad_arguments(ring_data, tmp_path, monkeypatch):
    folder = str(tmp_path)
    with pytest.raises(ValueError, match="`every` must be an int >= 1"):
        callbacks.SampleGrid(folder, every=0)
    with pytest.raises(ValueError, match="`num_samples`"):
        callbacks.SampleGrid(folder, num_samples=-1)
    with pytest.raises(TypeError, match="`directory` must be a folder path"):
        callbacks.SampleGrid(None)
    with pytest.raises(TypeError, match="`seed`"):
        callbacks.SampleGrid(folder, seed="zero")
    with pytest.raises(ValueError, match="value_range"):
        callbacks.SampleGrid(folder, value_range=(1.0, -1.0))
    with pytest.raises(ValueError, match="real_data"):
        callbacks.SampleGrid(folder, real_data=np.zeros((0, 2)))

    # Checked against the model when training begins.
    grid = callbacks.SampleGrid(folder)
    grid.set_model(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(TypeError, match="kag.StabilizedGAN"):
        grid.on_train_begin()
    grid.set_model(tiny_gan(nets=kag.models.mlp_gan(3, 4, hidden_units=(8,))))
    with pytest.raises(ValueError, match=r"samples of shape \(3,\)"):
        grid.on_train_begin()
    grid = callbacks.SampleGrid(folder, real_data=np.zeros((10, 3)))
    grid.set_model(tiny_gan())
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        grid.on_train_begin()
    grid = callbacks.SampleGrid(folder, real_data=ring_data)
    grid.set_model(image_gan())
    with pytest.raises(ValueError, match="Remove real_data"):
        grid.on_train_begin()

    # TensorBoard summaries need TensorFlow; the PNG files do not.
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(ImportError, match="pip install tensorflow-cpu"):
        callbacks.SampleGrid(folder, tensorboard_log_dir=folder)
    callbacks.SampleGrid(folder)


# ----------------------------------------------------------------------
# GenerativeMetrics
# ----------------------------------------------------------------------
def test_generative_metrics_feed_early_stopping_and_checkpoint(tmp_path):
    x, centers = kag.datasets.ring(512, seed=0)
    metrics = callbacks.GenerativeMetrics(
        x,
        [kag.metrics.ModeCoverage(centers, std=0.01, min_count=1),
         keras.metrics.MeanAbsoluteError(name="mae")],
        num_samples=300, batch_size=128, prefix="gen_")
    stop = keras.callbacks.EarlyStopping(
        monitor="gen_mode_coverage_modes", mode="max", patience=0)
    path = str(tmp_path / "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="gen_mode_coverage_reverse_kl", mode="min",
        save_best_only=True)
    gan = tiny_gan()
    gan.compile(consistency_loss=None, **FAST)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = gan.fit(x, batch_size=128, epochs=3, verbose=0,
                          callbacks=[metrics, stop, checkpoint]).history
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "available" in m], messages

    keys = {f"gen_mode_coverage_{k}" for k in MODE_KEYS} | {"gen_mae"}
    assert keys <= set(history)
    epochs_run = len(history["d_loss"])
    assert epochs_run >= 2  # patience=0 can stop after the second epoch.
    for key in keys:
        assert len(history[key]) == epochs_run
        assert all(type(v) is float and np.isfinite(v) for v in history[key])
    assert metrics.results == {k: history[k][-1] for k in keys}
    assert os.path.getsize(path) > 0

    # The logged values are the metric on the final generator's samples
    # (fixed latents: seed=0).
    reference = kag.metrics.ModeCoverage(centers, std=0.01, min_count=1)
    reference.update_state(None, gan.generate(300, seed=0))
    for key, value in reference.result().items():
        np.testing.assert_allclose(
            history[f"gen_mode_coverage_{key}"][-1],
            float(keras.ops.convert_to_numpy(value)), rtol=1e-5, atol=1e-6)


class VectorMetric(keras.metrics.Metric):
    """Returns a vector: not loggable."""

    def update_state(self, real, generated, sample_weight=None):
        pass

    def result(self):
        return keras.ops.zeros((2,))


def test_generative_metrics_every_defaults_and_clashes(ring_data):
    _, centers = kag.datasets.ring(1)
    gan = tiny_gan()
    metric = callbacks.GenerativeMetrics(
        ring_data, kag.metrics.ModeCoverage(centers, 0.01), every=2)
    assert metric.num_samples == len(ring_data)
    metric.set_model(gan)
    metric.on_train_begin()
    logs = {"d_loss": 1.0}
    metric.on_epoch_end(0, logs)
    assert logs == {"d_loss": 1.0}
    metric.on_epoch_end(1, logs)
    assert set(logs) == {"d_loss"} | {f"mode_coverage_{k}" for k in MODE_KEYS}
    assert metric.evaluate() == metric.results  # Fixed latents.

    big = np.zeros((20_000, 2), "float32")
    assert callbacks.GenerativeMetrics(
        big, keras.metrics.MeanSquaredError()).num_samples == 10_000

    clash = callbacks.GenerativeMetrics(
        ring_data, keras.metrics.MeanSquaredError(name="d_loss"))
    clash.set_model(gan)
    with pytest.raises(ValueError, match="prefix="):
        clash.on_epoch_end(0, {"d_loss": 1.0})
    vector = callbacks.GenerativeMetrics(ring_data, VectorMetric(name="v"))
    vector.set_model(gan)
    with pytest.raises(ValueError, match=r"'v' has shape \(2,\)"):
        vector.on_epoch_end(0, {})


def test_generative_metrics_bad_arguments(ring_data):
    mse = keras.metrics.MeanSquaredError()
    with pytest.raises(ValueError, match="`metrics` is empty"):
        callbacks.GenerativeMetrics(ring_data, [])
    with pytest.raises(TypeError, match="got 'mae' of type str"):
        callbacks.GenerativeMetrics(ring_data, "mae")
    with pytest.raises(TypeError, match="keras.metrics.Metric instance"):
        callbacks.GenerativeMetrics(ring_data, [mse, "mae"])
    with pytest.raises(ValueError, match="`every` must be an int >= 1"):
        callbacks.GenerativeMetrics(ring_data, mse, every=0)
    with pytest.raises(ValueError, match="`num_samples`"):
        callbacks.GenerativeMetrics(ring_data, mse, num_samples=0)
    with pytest.raises(ValueError, match="`batch_size`"):
        callbacks.GenerativeMetrics(ring_data, mse, batch_size=True)
    with pytest.raises(ValueError, match="at least one sample"):
        callbacks.GenerativeMetrics(np.zeros((0, 2)), mse)
    with pytest.raises(ValueError, match=r"got shape \(5,\)"):
        callbacks.GenerativeMetrics(np.zeros(5), mse)
    with pytest.raises(ValueError, match="appear more than once"):
        callbacks.GenerativeMetrics(
            ring_data, [mse, keras.metrics.MeanAbsoluteError(name=mse.name)])
    with pytest.raises(TypeError, match="`prefix` must be a str"):
        callbacks.GenerativeMetrics(ring_data, mse, prefix=1)

    metric = callbacks.GenerativeMetrics(np.zeros((8, 3)), mse)
    metric.set_model(tiny_gan())
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        metric.on_train_begin()
    metric.set_model(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(TypeError, match="generate"):
        metric.on_train_begin()

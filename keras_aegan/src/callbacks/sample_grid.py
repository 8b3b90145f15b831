"""SampleGrid: a PNG (and a TensorBoard image) of samples every few epochs."""

import importlib.util
import os

import keras
import numpy as np

from keras_aegan.src import plotting
from keras_aegan.src import validation
from keras_aegan.src.callbacks.common import as_samples
from keras_aegan.src.callbacks.common import check_generative_model
from keras_aegan.src.models import network_checks

# At most this many real points are drawn under a 2-D scatter plot.
MAX_REAL_POINTS = 2000
# Channel counts that matplotlib draws: grayscale, RGB, RGBA.
_IMAGE_CHANNELS = (1, 3, 4)


def _import_tensorflow(owner):
    try:
        import tensorflow as tf
    except ImportError as e:
        raise ImportError(
            f"{owner}(tensorboard_log_dir=...) writes TensorBoard summaries "
            "with TensorFlow, which is not installed: pip install "
            "tensorflow-cpu (or tensorflow), or leave "
            "tensorboard_log_dir=None to write the PNG files only."
        ) from e
    return tf


def _tensorboard_installed():
    """Whether `tf.summary.image` has its TensorBoard implementation."""
    return importlib.util.find_spec("tensorboard") is not None


def write_png_summary(tf, tag, png, step):
    """Writes encoded PNG bytes as a TensorBoard image summary at `step`.

    Uses `tf.summary.image` when TensorBoard is installed. Without it
    (`tensorflow-cpu` does not depend on it), writes the same record that
    `tf.summary.image` writes: the `"images"` plugin's
    `[width, height, png]` string tensor. Either way the default summary
    writer must be set.
    """
    image = tf.io.decode_png(png)
    if _tensorboard_installed():
        return tf.summary.image(tag, image[None], step=step, max_outputs=1)
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="images"),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
    )
    shape = tf.shape(image)
    tensor = tf.stack([tf.as_string(shape[1]), tf.as_string(shape[0]),
                       tf.convert_to_tensor(png)])
    return tf.summary.write(tag, tensor, step=step, metadata=metadata)


class SampleGrid(keras.callbacks.Callback):
    """Saves a figure of generated samples every `every` epochs.

    At the end of every `every`-th epoch, draws `num_samples` samples with
    `model.generate(num_samples, seed=seed)` (fixed latents: with an int
    `seed` every figure shows the same latent vectors, so the figures show
    how the generator evolves) and writes
    `directory/samples_epoch_{epoch + 1:04d}.png` (`samples_epoch_0001.png`
    after the first epoch):

    - image data (`data_shape` `(height, width, channels)`, channels 1, 3
      or 4): a grid of the images;
    - 2-D points (`data_shape` `(2,)`): a scatter plot of the samples,
      over up to 2000 points of `real_data` (a fixed subset) when given.

    A class-conditional GAN (`model.num_classes` set) draws
    `num_samples // num_classes` samples (at least one) of every class: one
    row per class in an image grid, one colour per class in a scatter plot.

    With `tensorboard_log_dir`, the same figure is also written as an image
    summary with tag `"samples"` to an event file in that folder (step
    `epoch`, 0-based, like `keras.callbacks.TensorBoard`'s epoch
    summaries), readable by TensorBoard. This needs TensorFlow (any
    backend); TensorBoard itself is only needed to view the summaries.

    The paths written are listed in `callback.paths`.

    Args:
        directory: folder of the PNG files; created if missing.
        every: int >= 1, write after every `every`-th epoch.
        num_samples: int >= 1, samples per figure.
        seed: int (fixed latents) or `None` (new latents each time).
        tensorboard_log_dir: `None`, or a folder for TensorBoard event files.
        real_data: `None`, or real samples `(n, 2)` drawn under the scatter
            plot of 2-D data (only for 2-D data).
        value_range: `(low, high)` of the image values, mapped to black and
            white; `None` infers it from the generator's output activation
            (`(0, 1)` for sigmoid, else `(-1, 1)`).

    Example:

    >>> import os, tempfile
    >>> import keras_aegan as kag
    >>> from keras_aegan import callbacks
    >>> x, _ = kag.datasets.ring(256, seed=0)
    >>> nets = kag.models.mlp_gan(2, latent_dim=4, hidden_units=(16,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> gan.compile(consistency_loss=None)
    >>> folder = tempfile.mkdtemp()
    >>> grid = callbacks.SampleGrid(folder, num_samples=256, real_data=x)
    >>> _ = gan.fit(x, batch_size=128, epochs=1, verbose=0, callbacks=[grid])
    >>> sorted(os.listdir(folder))
    ['samples_epoch_0001.png']
    """

    def __init__(self, directory, every=1, num_samples=64, seed=0,
                 tensorboard_log_dir=None, real_data=None, value_range=None):
        super().__init__()
        owner = "SampleGrid"
        for name, value in (("directory", directory),
                            ("tensorboard_log_dir", tensorboard_log_dir)):
            if value is None and name == "tensorboard_log_dir":
                continue
            if not isinstance(value, (str, os.PathLike)) or not str(value):
                raise TypeError(
                    f"{owner}: `{name}` must be a folder path (str or "
                    f"os.PathLike), got {value!r} of type "
                    f"{type(value).__name__}."
                )
        if importlib.util.find_spec("matplotlib") is None:
            raise ImportError(
                f"{owner} draws its figures with matplotlib, which is not "
                "installed: pip install matplotlib (or keras-aegan[demo])."
            )
        self.directory = os.fspath(directory)
        self.every = validation.check_int(owner, "every", every, 1)
        self.num_samples = validation.check_int(owner, "num_samples",
                                                num_samples, 1)
        self.seed = validation.check_seed(owner, seed)
        self.tensorboard_log_dir = (None if tensorboard_log_dir is None
                                    else os.fspath(tensorboard_log_dir))
        self.real_data = None
        if real_data is not None:
            real = as_samples(owner, "real_data", real_data)
            if len(real) > MAX_REAL_POINTS:
                rows = np.random.default_rng(0).choice(
                    len(real), MAX_REAL_POINTS, replace=False)
                real = real[np.sort(rows)]
            self.real_data = real
        if value_range is not None:
            try:
                low, high = (float(v) for v in value_range)
            except (TypeError, ValueError):
                low = high = None
            if low is None or not low < high:
                raise ValueError(
                    f"{owner}: `value_range` must be None or a pair "
                    f"(low, high) with low < high, got {value_range!r}."
                )
            value_range = (low, high)
        self.value_range = value_range
        self._tf = None
        if self.tensorboard_log_dir is not None:
            self._tf = _import_tensorflow(owner)
        self._writer = None
        self._kind = None
        self._range = None
        self.paths = []

    def on_train_begin(self, logs=None):
        data_shape = check_generative_model("SampleGrid", self.model)
        if len(data_shape) == 3 and data_shape[-1] in _IMAGE_CHANNELS:
            self._kind = "images"
        elif data_shape == (2,):
            self._kind = "points"
        else:
            raise ValueError(
                "SampleGrid draws images (data_shape (height, width, "
                f"channels) with {', '.join(map(str, _IMAGE_CHANNELS))} "
                "channels) or 2-D points (data_shape (2,)); the generator "
                f"outputs samples of shape {data_shape}. Drop the callback "
                "or plot the samples of gan.generate() yourself."
            )
        if self.real_data is not None:
            if self._kind != "points":
                raise ValueError(
                    "SampleGrid: `real_data` is drawn under the scatter plot "
                    "of 2-D data; an image grid shows generated samples only. "
                    "Remove real_data=... for image data."
                )
            if self.real_data.shape[1:] != data_shape:
                raise ValueError(
                    "SampleGrid: `real_data` holds samples of shape "
                    f"{self.real_data.shape[1:]}, but the generator outputs "
                    f"samples of shape {data_shape}."
                )
        if self.value_range is not None:
            self._range = self.value_range
        else:
            activation = network_checks.output_activation_name(
                getattr(self.model, "generator", None))
            self._range = (0.0, 1.0) if activation == "sigmoid" else (
                -1.0, 1.0)
        os.makedirs(self.directory, exist_ok=True)
        if self._tf is not None and self._writer is None:
            self._writer = self._tf.summary.create_file_writer(
                self.tensorboard_log_dir)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        num_classes = getattr(self.model, "num_classes", None)
        labels, kwargs = None, {}
        num_samples = self.num_samples
        if num_classes is not None:
            per_class = max(1, self.num_samples // num_classes)
            labels = kwargs["labels"] = np.repeat(np.arange(num_classes),
                                                  per_class)
            num_samples = len(labels)
        samples = np.asarray(
            self.model.generate(num_samples, seed=self.seed, **kwargs),
            dtype="float32")
        path = os.path.join(self.directory,
                            f"samples_epoch_{epoch + 1:04d}.png")
        title = f"epoch {epoch + 1}"
        if self._kind == "images":
            plotting.save_sample_grid(
                samples, path, value_range=self._range, title=title,
                row_labels=None if labels is None else range(num_classes))
        else:
            plotting.save_scatter(samples, path, real=self.real_data,
                                  title=title, labels=labels)
        self.paths.append(path)
        if self._writer is not None:
            tf = self._tf
            with self._writer.as_default():
                write_png_summary(tf, "samples", tf.io.read_file(path),
                                  step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

"""Image datasets of TensorFlow Datasets as `tf.data` pipelines for a GAN."""

from keras_aegan.src import validation

_OWNER = "load_tfds()"


def _as_image_size(image_size):
    if image_size is None:
        return None
    if validation.is_int(image_size):
        size = (image_size, image_size)
    elif isinstance(image_size, (tuple, list)) and len(image_size) == 2:
        size = tuple(image_size)
    else:
        size = ()
    if len(size) != 2 or not all(validation.is_int(d) and d > 0
                                 for d in size):
        raise ValueError(
            f"{_OWNER}: `image_size` must be None, an int > 0 (square "
            f"images) or a pair (height, width) of ints > 0, got "
            f"{image_size!r}."
        )
    return tuple(int(d) for d in size)


def _import_tfds():
    try:
        import tensorflow as tf
        import tensorflow_datasets as tfds
    except ImportError as e:
        raise ImportError(
            "kag.datasets.load_tfds() needs TensorFlow Datasets (and "
            "TensorFlow): pip install tensorflow-datasets (or "
            f"keras-aegan[data]). Import failed with: {e}"
        ) from e
    return tf, tfds


def load_tfds(name, split="train", image_size=None, batch_size=64,
              shuffle_buffer=10_000, data_dir=None, image_key="image",
              drop_remainder=True, seed=None, label_key=None):
    """Loads a TensorFlow Datasets image dataset as batches for a GAN.

    Loads `tfds.load(name, split=split, data_dir=data_dir)` (downloading
    and preparing it into `data_dir` the first time, like TFDS does), keeps
    the images of each example (`example[image_key]`), shuffles them,
    scales the 8-bit pixels to float32 in [-1, 1] (`x / 255 * 2 - 1`, the
    range of a `tanh` generator output), resizes them when `image_size` is
    given (`tf.image.resize`, bilinear with antialiasing, clipped back to
    [-1, 1]), batches and prefetches (`tf.data.AUTOTUNE`). Labels are
    dropped unless `label_key` names them: then the batches are
    `(images, labels)` pairs for a class-conditional GAN. `fit()` accepts
    the result on every Keras backend.

    Args:
        name: str, the TFDS dataset name, e.g. `"mnist"`, `"cifar10"`,
            `"celeb_a"` (optionally with a config/version,
            `"name/config:1.0.0"`).
        split: str, the TFDS split, e.g. `"train"` or `"train[:10%]"`.
        image_size: `None` (keep the size; the images must all have the
            same one), an int (square images) or `(height, width)`.
        batch_size: int >= 1.
        shuffle_buffer: int >= 0, size of the shuffle buffer; 0 or `None`
            disables shuffling.
        data_dir: folder of the TFDS data; `None` for TFDS' default
            (`~/tensorflow_datasets`).
        image_key: str, the feature holding the images.
        drop_remainder: bool; drop the last, smaller batch (keeps the batch
            size constant, which packed discriminators need).
        seed: int or `None`, seed of the shuffling.
        label_key: `None`, or the feature holding integer class labels
            (e.g. `"label"`): keep them beside the images.

    Returns:
        A `tf.data.Dataset` of float32 image batches
        `(batch_size, height, width, channels)` in [-1, 1]; with
        `label_key`, of `(images, labels)` pairs, the labels int32 of
        shape `(batch_size,)`.

    Example (`tfds.testing.mock_data` stands in for the real MNIST here,
    so nothing is downloaded; leave it out to train on the real data):

    >>> import tensorflow_datasets as tfds
    >>> import keras_aegan as kag
    >>> with tfds.testing.mock_data(num_examples=64):
    ...     images = kag.datasets.load_tfds("mnist", image_size=16,
    ...                                     batch_size=32, seed=0)
    ...     batch = next(iter(images))
    >>> tuple(batch.shape), str(batch.dtype)
    ((32, 16, 16, 1), "<dtype: 'float32'>")
    >>> bool(batch.numpy().min() >= -1.0 and batch.numpy().max() <= 1.0)
    True

    With the labels, for a class-conditional GAN:

    >>> with tfds.testing.mock_data(num_examples=64):
    ...     pairs = kag.datasets.load_tfds("mnist", image_size=16,
    ...                                    batch_size=32, label_key="label")
    ...     images, labels = next(iter(pairs))
    >>> tuple(images.shape), tuple(labels.shape), str(labels.dtype)
    ((32, 16, 16, 1), (32,), "<dtype: 'int32'>")

    Then, as with any data:

    ```python
    nets = kag.models.dcgan((16, 16, 1), latent_dim=64)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    gan.compile()
    gan.fit(images, epochs=10)
    ```
    """
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"load_tfds(): `name` must be a TFDS dataset name such as "
            f"'mnist', got {name!r}.")
    if not isinstance(image_key, str):
        raise ValueError(
            f"load_tfds(): `image_key` must be a str, got {image_key!r}.")
    if label_key is not None and not isinstance(label_key, str):
        raise ValueError(
            f"load_tfds(): `label_key` must be None or a str, got "
            f"{label_key!r}.")
    size = _as_image_size(image_size)
    batch_size = validation.check_int(_OWNER, "batch_size", batch_size, 1)
    if shuffle_buffer is None:
        shuffle_buffer = 0  # no shuffling
    shuffle_buffer = validation.check_int(_OWNER, "shuffle_buffer",
                                          shuffle_buffer, 0)
    seed = validation.check_seed(_OWNER, seed)
    tf, tfds = _import_tfds()

    dataset = tfds.load(name, split=split, data_dir=data_dir)
    spec = dataset.element_spec
    if not isinstance(spec, dict) or image_key not in spec:
        available = sorted(spec) if isinstance(spec, dict) else spec
        raise ValueError(
            f"load_tfds(): the examples of {name!r} have no feature "
            f"{image_key!r}; their features are {available}. Pass "
            "image_key=... naming the image feature."
        )
    image_spec = spec[image_key]
    if image_spec.dtype != tf.uint8 or image_spec.shape.rank != 3:
        raise ValueError(
            f"load_tfds(): the feature {image_key!r} of {name!r} holds "
            f"{image_spec.dtype.name} tensors of shape {image_spec.shape}; "
            "expected 8-bit images (uint8, (height, width, channels)). Pass "
            "image_key=... naming an image feature."
        )
    if label_key is not None:
        label_spec = spec.get(label_key)
        if (label_spec is None or not label_spec.dtype.is_integer
                or label_spec.shape.rank != 0):
            found = ("no such feature" if label_spec is None else
                     f"{label_spec.dtype.name} tensors of shape "
                     f"{label_spec.shape}")
            raise ValueError(
                f"load_tfds(): label_key={label_key!r} must name a feature "
                f"of integer class labels (one per example) of {name!r}; "
                f"found {found}. Its features are {sorted(spec)}.")
    if size is None and not image_spec.shape[:2].is_fully_defined():
        raise ValueError(
            f"load_tfds(): the images of {name!r} vary in size (shape "
            f"{image_spec.shape}), so they cannot be batched as they are. "
            "Pass image_size=(height, width) to resize them."
        )

    def to_float(image):
        image = tf.cast(image, tf.float32) / 255.0 * 2.0 - 1.0
        if size is not None:
            image = tf.image.resize(image, size, antialias=True)
            image = tf.clip_by_value(image, -1.0, 1.0)
        return image

    # Keep only the images (and labels) before shuffling, so the buffer
    # holds no other features, and shuffle 8-bit images (4x smaller than
    # float).
    if label_key is None:
        dataset = dataset.map(lambda example: example[image_key],
                              num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = dataset.map(
            lambda example: (example[image_key],
                             tf.cast(example[label_key], tf.int32)),
            num_parallel_calls=tf.data.AUTOTUNE)
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    if label_key is None:
        dataset = dataset.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = dataset.map(lambda image, label: (to_float(image), label),
                              num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size, drop_remainder=bool(drop_remainder))
    return dataset.prefetch(tf.data.AUTOTUNE)

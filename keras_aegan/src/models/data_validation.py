"""Checks of the real data passed to `StabilizedGAN.fit()`/`evaluate()`.

Every check raises a `ValueError`/`TypeError` that says what was received,
what was expected, and how to fix it, before any state is changed. The
first batch of a `tf.data.Dataset` or a torch `DataLoader` is read by
`keras_aegan/src/backend/{tensorflow,torch}/data.py`; those modules are
imported only when such a dataset is passed (either works under every Keras
backend).
"""

import warnings

import keras
import numpy as np

from keras_aegan.src.models.network_checks import packing

# Output ranges of the generator's final activation that the data must match.
ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
_RANGE_TOLERANCE = 1e-3


def _real_samples(batch):
    """The real samples of a batch: `x` alone, or the first of `(x, y...)`."""
    if isinstance(batch, (list, tuple)):
        return batch[0]
    return batch


def _labels(batch):
    """The labels of a batch `(x, y...)`, or None if it has none."""
    if isinstance(batch, (list, tuple)) and len(batch) > 1:
        return batch[1]
    return None


def _first_batch(x, pick=_real_samples):
    """(samples, full) where full says whether samples is the whole data;
    `pick(batch)` chooses what of a dataset's first batch is returned."""
    if isinstance(x, np.ndarray):
        return x, True
    module = type(x).__module__
    if module.startswith("tensorflow"):
        from keras_aegan.src.backend.tensorflow import data

        return data.first_batch(x, pick)
    if isinstance(x, keras.utils.PyDataset):
        if len(x) == 0:
            raise ValueError("The PyDataset passed to fit() is empty.")
        return np.asarray(pick(x[0])), False
    if module.startswith("torch"):
        from keras_aegan.src.backend.torch import data

        return data.first_batch(x, pick)
    if module.startswith("jax"):
        return np.asarray(x), True
    return None, False


def validate_data(x, data_shape, activation=None):
    """Checks real data against the generator's output before training."""
    if x is None:
        raise ValueError(
            "fit() needs the real samples `x` (a NumPy array, tf.data.Dataset, "
            "keras.utils.PyDataset or torch DataLoader); got None."
        )
    if isinstance(x, (list, tuple, dict)):
        raise TypeError(
            "`x` must hold the real samples as one array or dataset, got a "
            f"{type(x).__name__}. Pass x=array (labels are not needed)."
        )
    samples, full = _first_batch(x)
    if samples is None:
        return  # A generic iterator: checked batch by batch by the model.
    what = "the data" if full else "the first batch of the data"
    if samples.ndim == 0 or samples.shape[0] == 0:
        raise ValueError(f"fit() received empty data: {what} has shape "
                         f"{samples.shape}.")
    if tuple(samples.shape[1:]) != tuple(data_shape):
        hint = ""
        if tuple(samples.shape[1:]) + (1,) == tuple(data_shape):
            hint = " Add a channel axis with x[..., None]."
        raise ValueError(
            f"The samples have shape {tuple(samples.shape[1:])} ({what} has "
            f"shape {samples.shape}), but the generator outputs samples of "
            f"shape {tuple(data_shape)}. Reshape the data or change the "
            f"generator's output.{hint}"
        )
    if not np.issubdtype(samples.dtype, np.floating):
        if activation == "sigmoid":
            advice = ("x = x.astype('float32') / 255 for 8-bit images: the "
                      "generator's sigmoid output spans [0, 1]")
        elif activation == "tanh":
            advice = ("x = x.astype('float32') / 127.5 - 1 for 8-bit "
                      "images: the generator's tanh output spans [-1, 1]")
        else:
            advice = ("x = x.astype('float32') / 127.5 - 1 for 8-bit images "
                      "with a tanh output (or / 255 with a sigmoid one)")
        raise TypeError(
            f"The samples must be floating point, got dtype {samples.dtype}. "
            "Convert and scale them to the generator's output range, e.g. "
            f"{advice}."
        )
    finite = np.isfinite(samples)
    if not finite.all():
        bad = np.argwhere(~finite.reshape(samples.shape[0], -1).all(axis=1))
        raise ValueError(
            f"{what.capitalize()} holds {int((~finite).sum())} non-finite "
            f"values (NaN or Inf), in {len(bad)} samples, first at index "
            f"{int(bad[0][0])}. Remove or repair them before training."
        )
    if activation in ACTIVATION_RANGES:
        low, high = ACTIVATION_RANGES[activation]
        data_low, data_high = float(samples.min()), float(samples.max())
        if (data_low < low - _RANGE_TOLERANCE
                or data_high > high + _RANGE_TOLERANCE):
            warnings.warn(
                f"The data spans [{data_low:.4g}, {data_high:.4g}] but the "
                f"generator ends with a {activation} activation, whose outputs "
                f"lie in [{low:g}, {high:g}]: it cannot produce all of the "
                "data. Rescale the data into that range or change the "
                "generator's output activation.",
                stacklevel=3,
            )


def first_batch_labels(x):
    """The labels of the first batch of a dataset of `(x, y)` batches:
    an array, `None` when its batches carry no labels; `False` when `x` is
    not a dataset whose first batch can be read here."""
    labels, full = _first_batch(x, _labels)
    if labels is None or full:
        return False
    if labels.dtype == object and labels.ndim == 0:
        return None
    return labels


def check_batches_pack(discriminator, x, batch_size):
    """A PackSamples discriminator needs every batch, the last one too, to
    be a multiple of `num_packed`: checked before training for arrays (a
    dataset's batches are checked by the layer as they come)."""
    packed = packing(discriminator)
    if packed == 1 or not hasattr(x, "shape") or not hasattr(x, "__len__"):
        return
    size = 32 if batch_size is None else batch_size
    last = len(x) % size
    if size % packed == 0 and last % packed == 0:
        return
    if size % packed:
        problem = f"batch_size={size}"
    else:
        problem = (f"the last batch of {last} samples ({len(x)} samples in "
                   f"batches of {size})")
    raise ValueError(
        f"The discriminator packs {packed} samples into one "
        f"(PackSamples(num_packed={packed})), so every batch must be a "
        f"multiple of {packed}; {problem} is not. Pass a batch_size that "
        f"is a multiple of {packed} and trim x to a multiple of it, e.g. "
        f"x[:len(x) // batch_size * batch_size]."
    )

"""Early, explicit checks of networks and data for `StabilizedGAN`.

Every check raises a `ValueError`/`TypeError` that says what was received,
what was expected, and how to fix it, before any state is changed.
"""

import warnings

import keras
import numpy as np

# Output ranges of the generator's final activation that the data must match.
ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
_RANGE_TOLERANCE = 1e-3


def check_network(name, network):
    if not isinstance(network, keras.layers.Layer):
        raise TypeError(
            f"`{name}` must be a keras.Model, got {network!r} of type "
            f"{type(network).__name__}. Build it with keras.Sequential, the "
            "functional API or a keras.Model subclass."
        )


def _shape_of(spec):
    return tuple(spec.shape)


def _symbolic_call(name, network, input_shape):
    if isinstance(network, keras.Model) and getattr(network, "inputs", None):
        inputs = network.inputs
        if len(inputs) != 1:
            raise ValueError(
                f"`{name}` must take a single input, it takes {len(inputs)}."
            )
        expected = tuple(inputs[0].shape[1:])
        if expected != tuple(input_shape[1:]):
            raise ValueError(
                f"`{name}` takes inputs of shape {tuple(inputs[0].shape)}, "
                f"but here it receives batches of shape {tuple(input_shape)}. "
                f"Give the {name} the input shape {tuple(input_shape[1:])}."
            )
    try:
        outputs = network(keras.KerasTensor(input_shape))
    except Exception as e:  # A mismatch deep inside the network.
        raise ValueError(
            f"Calling `{name}` on inputs of shape {input_shape} failed: {e}"
        ) from e
    if isinstance(outputs, (list, tuple, dict)):
        raise ValueError(
            f"`{name}` must return a single tensor, it returned "
            f"{type(outputs).__name__}."
        )
    return outputs


def infer_latent_dim(generator, latent_dim):
    if latent_dim is not None and (isinstance(latent_dim, bool)
                                   or not isinstance(latent_dim, int)
                                   or latent_dim < 1):
        raise ValueError(
            f"`latent_dim` must be a positive int or None, got {latent_dim!r}."
        )
    inputs = getattr(generator, "inputs", None) if isinstance(
        generator, keras.Model) else None
    if not inputs:
        if latent_dim is None:
            raise ValueError(
                "Cannot infer `latent_dim`: the generator has no defined input "
                "shape (a subclassed or unbuilt model). Pass latent_dim=... to "
                "StabilizedGAN, or give the generator a keras.Input."
            )
        return latent_dim
    if len(inputs) != 1 or len(inputs[0].shape) != 2:
        raise ValueError(
            "The generator must take one input of shape (batch, latent_dim); "
            f"its inputs have shapes {[tuple(i.shape) for i in inputs]}."
        )
    inferred = inputs[0].shape[1]
    if latent_dim is not None and latent_dim != inferred:
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator's input "
            f"shape {tuple(inputs[0].shape)}. Pass latent_dim={inferred} or "
            "leave it as None to infer it."
        )
    return inferred


def check_generator(generator, latent_dim):
    outputs = _symbolic_call("generator", generator, (None, latent_dim))
    data_shape = _shape_of(outputs)[1:]
    if not data_shape or any(d is None for d in data_shape):
        raise ValueError(
            "The generator must output a fixed sample shape (batch, *shape); "
            f"it outputs {_shape_of(outputs)}."
        )
    return tuple(data_shape)


def check_discriminator(discriminator, data_shape):
    outputs = _symbolic_call("discriminator", discriminator,
                             (None,) + tuple(data_shape))
    if _shape_of(outputs)[1:] != (1,):
        raise ValueError(
            f"The discriminator must map (batch, {', '.join(map(str, data_shape))}) "
            f"to (batch, 1) logits; it outputs {_shape_of(outputs)}. End it "
            "with keras.layers.Dense(1) and no activation."
        )


def check_autoencoder(autoencoder, data_shape):
    outputs = _symbolic_call("autoencoder", autoencoder,
                             (None,) + tuple(data_shape))
    if tuple(_shape_of(outputs)[1:]) != tuple(data_shape):
        raise ValueError(
            f"The autoencoder must map samples of shape {tuple(data_shape)} "
            "(the generator's output) back to the same shape; it outputs "
            f"{_shape_of(outputs)}."
        )


def check_encoder(encoder, data_shape, latent_dim):
    outputs = _symbolic_call("encoder", encoder, (None,) + tuple(data_shape))
    if tuple(_shape_of(outputs)[1:]) != (latent_dim,):
        raise ValueError(
            f"The encoder must map samples of shape {tuple(data_shape)} to "
            f"(batch, latent_dim) = (batch, {latent_dim}); it outputs "
            f"{_shape_of(outputs)}."
        )


def output_activation_name(generator):
    """Name of the generator's final activation (`"tanh"`...), or `None`."""
    passthrough = (keras.layers.Reshape, keras.layers.Flatten,
                   keras.layers.InputLayer)
    for layer in reversed(getattr(generator, "layers", [])):
        if isinstance(layer, passthrough):
            continue
        activation = getattr(layer, "activation", None)
        if activation is None:
            return None
        return getattr(activation, "__name__", None)
    return None


def real_batch(data):
    """The real samples of a batch: `x` alone, or the first of `(x, y, ...)`."""
    if isinstance(data, (list, tuple)):
        return data[0]
    return data


def _first_batch(x):
    """(samples, full) where full says whether samples is the whole data."""
    if isinstance(x, np.ndarray):
        return x, True
    module = type(x).__module__
    if module.startswith("tensorflow"):
        import tensorflow as tf

        if isinstance(x, tf.data.Dataset):
            for batch in x.take(1):
                return np.asarray(real_batch(batch)), False
            raise ValueError("The tf.data.Dataset passed to fit() is empty.")
        return np.asarray(x), True
    if isinstance(x, keras.utils.PyDataset):
        if len(x) == 0:
            raise ValueError("The PyDataset passed to fit() is empty.")
        return np.asarray(real_batch(x[0])), False
    if module.startswith("torch"):
        import torch

        if isinstance(x, torch.utils.data.DataLoader):
            for batch in x:
                if (isinstance(batch, torch.Tensor)
                        and keras.backend.backend() != "torch"):
                    raise ValueError(
                        "The DataLoader yields bare tensors. On the "
                        f"{keras.backend.backend()} backend Keras splits such "
                        "batches into rows (keras-team/keras#23080). Make "
                        "the Dataset return a tuple `(x,)` per sample, or "
                        "use torch.utils.data.TensorDataset(x)."
                    )
                return np.asarray(real_batch(batch)), False
            raise ValueError("The DataLoader passed to fit() is empty.")
        if isinstance(x, torch.Tensor):
            return x.detach().cpu().numpy(), True
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
        raise TypeError(
            f"The samples must be floating point, got dtype {samples.dtype}. "
            "Convert and scale them to the generator's output range, e.g. "
            "x = x.astype('float32') / 127.5 - 1 for 8-bit images and a tanh "
            "output."
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


def nested_layers(network, descend=None):
    """Yields `network` and every layer nested in it, breadth first.

    `descend(layer)` returning False keeps the walk out of that layer's own
    sublayers (the layer itself is still yielded).
    """
    queue = [network]
    while queue:
        layer = queue.pop(0)
        yield layer
        if descend is None or descend(layer):
            queue.extend(getattr(layer, "layers", []))


def _packing(network):
    """The largest `num_packed` of the PackSamples layers in `network`."""
    from keras_aegan.src.layers.pack_samples import PackSamples

    return max([layer.num_packed for layer in nested_layers(network)
                if isinstance(layer, PackSamples)], default=1)


def check_batches_pack(discriminator, x, batch_size):
    """A PackSamples discriminator needs every batch, the last one too, to
    be a multiple of `num_packed`: checked before training for arrays (a
    dataset's batches are checked by the layer as they come)."""
    packed = _packing(discriminator)
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

"""Checks shared by the callbacks that draw samples from the generator."""

import numpy as np


def check_generative_model(owner, model):
    """The model's `data_shape`; raises a TypeError unless the model can
    `generate()` samples (a `kag.StabilizedGAN`)."""
    if not (callable(getattr(model, "generate", None))
            and hasattr(model, "data_shape")):
        raise TypeError(
            f"{owner} needs a model with `generate(num_samples, seed=...)` "
            f"and `data_shape`, such as kag.StabilizedGAN; it was attached "
            f"to {type(model).__name__}. Pass the callback to the fit() of "
            "a kag.StabilizedGAN."
        )
    return tuple(model.data_shape)


def as_samples(owner, name, data):
    """`data` as a NumPy array of at least one sample `(n, *shape)`."""
    try:
        array = np.asarray(data)
    except Exception as e:  # e.g. a tensor on an accelerator.
        raise TypeError(
            f"{owner}: `{name}` must be an array of samples (NumPy, or a "
            f"tensor NumPy can read); could not convert {type(data).__name__}"
            f": {e}"
        ) from e
    if array.ndim < 2 or array.shape[0] == 0 or array.dtype == object:
        raise ValueError(
            f"{owner}: `{name}` must be a numeric array of shape "
            f"(num_samples, *data_shape) with at least one sample, got shape "
            f"{array.shape} and dtype {array.dtype}."
        )
    return array

"""Keras' InceptionV3 pool features for FID / KID."""

import os

import keras

INCEPTION_SIZE = 299
INCEPTION_FEATURES = 2048


def inception_feature_extractor(weights=None, input_shape=None):
    """Builds a `keras.Model` mapping images to 2048 InceptionV3 features.

    The model resizes the images (any size; 1 channel, tiled to 3, or 3
    channels; values in `[-1, 1]`, the range InceptionV3 expects) to
    299x299 with `keras.layers.Resizing` (bilinear, no antialiasing) and
    returns the 2048 average-pooled features of
    `keras.applications.InceptionV3(include_top=False, pooling="avg")`. Pass
    it as `feature_extractor` to `FrechetDistance` (FID) or `KernelDistance`
    (KID).

    `weights=None` gives a randomly initialized network: its FID is
    deterministic given the seed and useful to compare models within one
    run, but it is not an FID. `weights="imagenet"` has Keras download its
    ImageNet "notop" weights (`keras.utils.get_file`, once, into
    `~/.keras/models`; needs network access), and a path loads a local copy
    of that file. A number computed this way depends on all of: the
    weights, this resizer (bilinear 299x299; other tools use bicubic or
    antialiased resizing), the image range, and the sample count (FID is
    biased upwards at small counts: report e.g. 10 000 or 50 000 generated
    samples). Keras' ImageNet weights are not the 2015 TF-slim graph of
    Heusel et al. (TTUR, `pytorch-fid`), so its FIDs are comparable only
    with FIDs computed the same way, not with published ones: for those use
    `fid_inception_extractor` with pytorch-fid's weights file.

    Args:
        weights: `None` (random initialization), `"imagenet"` (Keras'
            ImageNet weights, downloaded by Keras), or the path to a weights
            file for `keras.applications.InceptionV3(include_top=False)` (a
            legacy `.h5` file such as Keras'
            `inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`, or a
            `.weights.h5` file saved from this extractor or from that
            network).
        input_shape: the shape of one image, e.g. `(28, 28, 1)`; `None` means
            3-channel images of any size (channels-last; channels-first when
            `keras.config.image_data_format()` says so).

    Returns:
        A `keras.Model` from a batch of images to a `(batch, 2048)` tensor.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> extractor = kag.metrics.inception_feature_extractor(
    ...     input_shape=(8, 8, 1))  # random weights: for tests only
    >>> tuple(extractor.output_shape)
    (None, 2048)
    >>> fid = kag.metrics.FrechetDistance(extractor)
    >>> fid.feature_dim
    2048
    """
    imagenet = isinstance(weights, str) and weights == "imagenet"
    if (weights is not None and not imagenet
            and not isinstance(weights, (str, os.PathLike))):
        raise TypeError(
            "inception_feature_extractor `weights` must be None, "
            '"imagenet" or the path to a weights file, got '
            f"{type(weights).__name__}.")
    if weights is not None and not imagenet and not os.path.isfile(weights):
        raise ValueError(
            f"inception_feature_extractor found no weights file at "
            f"{os.fspath(weights)!r}. Pass the path of an existing "
            'InceptionV3 notop weights file, weights="imagenet" to have '
            "Keras download its ImageNet weights, or weights=None for "
            "random weights.")
    channels_first = keras.config.image_data_format() == "channels_first"
    channel_axis = 1 if channels_first else -1
    if input_shape is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    input_shape = tuple(input_shape)
    channels = input_shape[channel_axis] if len(input_shape) == 3 else None
    if channels not in (1, 3):
        raise ValueError(
            "inception_feature_extractor needs images of shape (height, "
            f"width, channels) with 1 or 3 channels, got input_shape="
            f"{input_shape}. Pass e.g. input_shape=(28, 28, 1) or "
            "(32, 32, 3).")
    images = keras.Input(shape=input_shape, name="images")
    x = images
    if channels == 1:
        x = keras.layers.Concatenate(axis=channel_axis, name="gray_to_rgb")(
            [x, x, x])
    x = keras.layers.Resizing(INCEPTION_SIZE, INCEPTION_SIZE,
                              interpolation="bilinear", name="resize")(x)
    square = (INCEPTION_SIZE, INCEPTION_SIZE)
    network = keras.applications.InceptionV3(
        include_top=False,
        weights=(None if weights is None else "imagenet" if imagenet
                 else os.fspath(weights)),
        input_tensor=x,
        input_shape=(3, *square) if channels_first else (*square, 3),
        pooling="avg",
    )
    # The same layers, with one input tensor rather than a list of one.
    return keras.Model(images, network.output,
                       name="inception_feature_extractor")

"""The FID Inception network (pytorch-fid's port of the 2015 TF graph).

The network of Heusel et al.'s FID (TTUR) is the 2015 TF-slim Inception
graph (`inception-2015-12-05.tgz`, 1008 classes), not the InceptionV3 of
`keras.applications` nor torchvision's: `pytorch-fid` ported it to PyTorch
(`pytorch_fid/inception.py`: torchvision's `Inception3` with the blocks
`FIDInceptionA`, `FIDInceptionC`, `FIDInceptionE_1` and `FIDInceptionE_2`)
and published its weights. This is that network in Keras layers
(channels-last, every backend, inside compiled steps), loading that
weights file.
"""

import os

import keras
import numpy as np

FID_INCEPTION_SIZE = 299
FID_INCEPTION_FEATURES = 2048
FID_INCEPTION_CLASSES = 1008
# pytorch-fid's weights file (a PyTorch state dict). Its name ends with the
# first 8 hex digits of its SHA-256 (torch.hub's convention: checked by
# `torch.hub.download_url_to_file(url, path, hash_prefix="6726825d")` or
# `torch.hub.load_state_dict_from_url(url, check_hash=True)`).
FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth")
FID_WEIGHTS_SHA256_PREFIX = "6726825d"
# The smallest side the network takes without resizing (as InceptionV3).
MIN_SIZE = 75
BN_EPSILON = 1e-3  # torchvision's BasicConv2d: BatchNorm2d(eps=0.001)
# In the state dict, not used for the pool features.
IGNORED_KEYS = ("fc.weight", "fc.bias")


# The architecture, written once over a "builder" that either makes Keras
# layers (_KerasBuilder) or only counts channels (_ShapeBuilder, which lists
# the state dict's entries and shapes without building anything). Names are
# pytorch-fid's module paths (the state dict's keys without `.conv.weight`
# etc.); every BasicConv2d is conv (no bias) + BatchNorm + ReLU.

def _inception_a(b, x, name, pool_features):
    """torchvision's InceptionA with FIDInceptionA's pool (no padding in the
    average)."""
    branch1x1 = b.conv(x, f"{name}.branch1x1", 64, 1)
    branch5x5 = b.conv(x, f"{name}.branch5x5_1", 48, 1)
    branch5x5 = b.conv(branch5x5, f"{name}.branch5x5_2", 64, 5)
    branch3x3dbl = b.conv(x, f"{name}.branch3x3dbl_1", 64, 1)
    branch3x3dbl = b.conv(branch3x3dbl, f"{name}.branch3x3dbl_2", 96, 3)
    branch3x3dbl = b.conv(branch3x3dbl, f"{name}.branch3x3dbl_3", 96, 3)
    branch_pool = b.avg_pool(x, f"{name}.avg_pool")
    branch_pool = b.conv(branch_pool, f"{name}.branch_pool", pool_features, 1)
    return b.concat([branch1x1, branch5x5, branch3x3dbl, branch_pool], name)


def _inception_b(b, x, name):
    """torchvision's InceptionB (Mixed_6a), unchanged in pytorch-fid."""
    branch3x3 = b.conv(x, f"{name}.branch3x3", 384, 3, strides=2,
                       padding="valid")
    branch3x3dbl = b.conv(x, f"{name}.branch3x3dbl_1", 64, 1)
    branch3x3dbl = b.conv(branch3x3dbl, f"{name}.branch3x3dbl_2", 96, 3)
    branch3x3dbl = b.conv(branch3x3dbl, f"{name}.branch3x3dbl_3", 96, 3,
                          strides=2, padding="valid")
    branch_pool = b.max_pool(x, f"{name}.max_pool", strides=2,
                             padding="valid")
    return b.concat([branch3x3, branch3x3dbl, branch_pool], name)


def _inception_c(b, x, name, channels_7x7):
    """torchvision's InceptionC with FIDInceptionC's pool."""
    c7 = channels_7x7
    branch1x1 = b.conv(x, f"{name}.branch1x1", 192, 1)
    branch7x7 = b.conv(x, f"{name}.branch7x7_1", c7, 1)
    branch7x7 = b.conv(branch7x7, f"{name}.branch7x7_2", c7, (1, 7))
    branch7x7 = b.conv(branch7x7, f"{name}.branch7x7_3", 192, (7, 1))
    dbl = b.conv(x, f"{name}.branch7x7dbl_1", c7, 1)
    dbl = b.conv(dbl, f"{name}.branch7x7dbl_2", c7, (7, 1))
    dbl = b.conv(dbl, f"{name}.branch7x7dbl_3", c7, (1, 7))
    dbl = b.conv(dbl, f"{name}.branch7x7dbl_4", c7, (7, 1))
    dbl = b.conv(dbl, f"{name}.branch7x7dbl_5", 192, (1, 7))
    branch_pool = b.avg_pool(x, f"{name}.avg_pool")
    branch_pool = b.conv(branch_pool, f"{name}.branch_pool", 192, 1)
    return b.concat([branch1x1, branch7x7, dbl, branch_pool], name)


def _inception_d(b, x, name):
    """torchvision's InceptionD (Mixed_7a), unchanged in pytorch-fid."""
    branch3x3 = b.conv(x, f"{name}.branch3x3_1", 192, 1)
    branch3x3 = b.conv(branch3x3, f"{name}.branch3x3_2", 320, 3, strides=2,
                       padding="valid")
    branch7x7x3 = b.conv(x, f"{name}.branch7x7x3_1", 192, 1)
    branch7x7x3 = b.conv(branch7x7x3, f"{name}.branch7x7x3_2", 192, (1, 7))
    branch7x7x3 = b.conv(branch7x7x3, f"{name}.branch7x7x3_3", 192, (7, 1))
    branch7x7x3 = b.conv(branch7x7x3, f"{name}.branch7x7x3_4", 192, 3,
                         strides=2, padding="valid")
    branch_pool = b.max_pool(x, f"{name}.max_pool", strides=2,
                             padding="valid")
    return b.concat([branch3x3, branch7x7x3, branch_pool], name)


def _inception_e(b, x, name, max_pool):
    """torchvision's InceptionE with FIDInceptionE_1's pool (average, no
    padding in it) or FIDInceptionE_2's (`max_pool=True`: 3x3 max pool,
    stride 1, a quirk of the 2015 graph)."""
    branch1x1 = b.conv(x, f"{name}.branch1x1", 320, 1)
    branch3x3 = b.conv(x, f"{name}.branch3x3_1", 384, 1)
    branch3x3 = b.concat([
        b.conv(branch3x3, f"{name}.branch3x3_2a", 384, (1, 3)),
        b.conv(branch3x3, f"{name}.branch3x3_2b", 384, (3, 1)),
    ], f"{name}.branch3x3")
    dbl = b.conv(x, f"{name}.branch3x3dbl_1", 448, 1)
    dbl = b.conv(dbl, f"{name}.branch3x3dbl_2", 384, 3)
    dbl = b.concat([
        b.conv(dbl, f"{name}.branch3x3dbl_3a", 384, (1, 3)),
        b.conv(dbl, f"{name}.branch3x3dbl_3b", 384, (3, 1)),
    ], f"{name}.branch3x3dbl")
    if max_pool:
        branch_pool = b.max_pool(x, f"{name}.max_pool", strides=1,
                                 padding="same")
    else:
        branch_pool = b.avg_pool(x, f"{name}.avg_pool")
    branch_pool = b.conv(branch_pool, f"{name}.branch_pool", 192, 1)
    return b.concat([branch1x1, branch3x3, dbl, branch_pool], name)


def _fid_inception(b, x):
    """pytorch-fid's `InceptionV3` blocks 0-3 (up to the 2048-d pool3)."""
    x = b.conv(x, "Conv2d_1a_3x3", 32, 3, strides=2, padding="valid")
    x = b.conv(x, "Conv2d_2a_3x3", 32, 3, padding="valid")
    x = b.conv(x, "Conv2d_2b_3x3", 64, 3)
    x = b.max_pool(x, "maxpool1", strides=2, padding="valid")
    x = b.conv(x, "Conv2d_3b_1x1", 80, 1)
    x = b.conv(x, "Conv2d_4a_3x3", 192, 3, padding="valid")
    x = b.max_pool(x, "maxpool2", strides=2, padding="valid")
    x = _inception_a(b, x, "Mixed_5b", pool_features=32)
    x = _inception_a(b, x, "Mixed_5c", pool_features=64)
    x = _inception_a(b, x, "Mixed_5d", pool_features=64)
    x = _inception_b(b, x, "Mixed_6a")
    x = _inception_c(b, x, "Mixed_6b", channels_7x7=128)
    x = _inception_c(b, x, "Mixed_6c", channels_7x7=160)
    x = _inception_c(b, x, "Mixed_6d", channels_7x7=160)
    x = _inception_c(b, x, "Mixed_6e", channels_7x7=192)
    x = _inception_d(b, x, "Mixed_7a")
    x = _inception_e(b, x, "Mixed_7b", max_pool=False)
    x = _inception_e(b, x, "Mixed_7c", max_pool=True)
    return b.global_pool(x, "pool3")


def _keras_name(name):
    return name.replace(".", "_")


class _ShapeBuilder:
    """Runs the architecture on channel counts: the state dict's shapes."""

    def __init__(self):
        self.shapes = {}

    def conv(self, x, name, filters, kernel, strides=1, padding="same"):
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        self.shapes[f"{name}.conv.weight"] = (filters, x, kh, kw)
        for entry in ("weight", "bias", "running_mean", "running_var"):
            self.shapes[f"{name}.bn.{entry}"] = (filters,)
        return filters

    def avg_pool(self, x, name):
        return x

    def max_pool(self, x, name, strides, padding):
        return x

    def concat(self, xs, name):
        return sum(xs)

    def global_pool(self, x, name):
        return x


class _KerasBuilder:
    """Builds the Keras layers; `convs` maps a BasicConv2d's name to its
    (Conv2D, BatchNormalization) pair. `kernel_initializer`: the conv
    kernels' initial values."""

    def __init__(self, kernel_initializer):
        self.kernel_initializer = kernel_initializer
        self.convs = {}

    def conv(self, x, name, filters, kernel, strides=1, padding="same"):
        # torchvision pads each stride-1 conv with (kernel - 1) / 2 on each
        # side (odd kernels): Keras' "same"; the others are unpadded.
        conv = keras.layers.Conv2D(
            filters, kernel, strides=strides, padding=padding,
            use_bias=False, kernel_initializer=self.kernel_initializer,
            data_format="channels_last", dtype="float32",
            name=_keras_name(f"{name}.conv"))
        bn = keras.layers.BatchNormalization(
            axis=-1, epsilon=BN_EPSILON, dtype="float32",
            name=_keras_name(f"{name}.bn"))
        self.convs[name] = (conv, bn)
        return keras.layers.ReLU(dtype="float32",
                                 name=_keras_name(f"{name}.relu"))(bn(conv(x)))

    def avg_pool(self, x, name):
        # F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False):
        # Keras' "same" average pooling divides by the number of pixels
        # inside the image, on every backend (checked against PyTorch in
        # tests/test_fid_inception.py).
        return keras.layers.AveragePooling2D(
            3, strides=1, padding="same", data_format="channels_last",
            dtype="float32", name=_keras_name(name))(x)

    def max_pool(self, x, name, strides, padding):
        return keras.layers.MaxPooling2D(
            3, strides=strides, padding=padding, data_format="channels_last",
            dtype="float32", name=_keras_name(name))(x)

    def concat(self, xs, name):
        return keras.layers.Concatenate(axis=-1, dtype="float32",
                                        name=_keras_name(name))(xs)

    def global_pool(self, x, name):
        return keras.layers.GlobalAveragePooling2D(
            data_format="channels_last", dtype="float32",
            name=_keras_name(name))(x)


def fid_inception_state_dict_shapes():
    """The pytorch-fid state dict entries the network uses, with shapes
    (PyTorch layout: conv weights `(out, in, height, width)`)."""
    builder = _ShapeBuilder()
    _fid_inception(builder, 3)
    return builder.shapes


def _read_state_dict(path):
    """The arrays of a `.pth` (PyTorch) or `.npz` state dict, by key."""
    if path.endswith(".npz"):
        try:
            with np.load(path) as data:
                return {key: data[key] for key in data.files}
        except Exception as error:  # not a zip file, a pickled object, ...
            raise ValueError(
                f"fid_inception_extractor could not read {path!r} as a .npz "
                f"of arrays ({type(error).__name__}: {error}).") from error
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "fid_inception_extractor reads the PyTorch weights file "
            f"{path!r} with torch.load: install PyTorch (`pip install "
            "torch`; the CPU build is enough), or convert the file once, "
            "where PyTorch is installed, to a .npz of the same keys: "
            "numpy.savez('fid_inception.npz', **{k: v.numpy() for k, v in "
            "torch.load(PATH, map_location='cpu', weights_only=True)"
            ".items()}).") from error
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated download, an HTML page, ...
        raise ValueError(
            f"fid_inception_extractor could not read {path!r} as a PyTorch "
            f"state dict ({type(error).__name__}: {error}). Download "
            f"pytorch-fid's weights file again from {FID_WEIGHTS_URL}.") \
            from error
    if not isinstance(state, dict):
        raise ValueError(
            f"fid_inception_extractor expected a state dict (a dict of "
            f"tensors) in {path!r}, got {type(state).__name__}. Pass "
            f"pytorch-fid's weights file ({FID_WEIGHTS_URL}).")
    return {key: value.detach().to("cpu", torch.float32).numpy()
            for key, value in state.items()
            if isinstance(value, torch.Tensor)}


def _listed(keys, limit=5):
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    more = f" (and {len(keys) - limit} more)" if len(keys) > limit else ""
    return shown + more


def _check_state_dict(state, path):
    """Raises a ValueError naming the missing, unexpected or misshapen
    entries of a state dict for the FID Inception network."""
    expected = fid_inception_state_dict_shapes()
    hint = (f" Pass pytorch-fid's weights file "
            f"pt_inception-2015-12-05-6726825d.pth ({FID_WEIGHTS_URL}).")
    missing = set(expected) - set(state)
    if missing:
        raise ValueError(
            f"fid_inception_extractor: the state dict in {path!r} lacks "
            f"{len(missing)} of the {len(expected)} entries the FID "
            f"Inception network needs: {_listed(missing)}." + hint)
    unexpected = {key for key in state
                  if key not in expected and key not in IGNORED_KEYS
                  and not key.endswith(".num_batches_tracked")}
    if unexpected:
        raise ValueError(
            f"fid_inception_extractor: the state dict in {path!r} has "
            f"entries the FID Inception network does not have: "
            f"{_listed(unexpected)}." + hint)
    wrong = [f"{key} {tuple(state[key].shape)} (expected {shape})"
             for key, shape in expected.items()
             if tuple(state[key].shape) != shape]
    if "fc.weight" in state and tuple(state["fc.weight"].shape) != (
            FID_INCEPTION_CLASSES, FID_INCEPTION_FEATURES):
        wrong.append(
            f"fc.weight {tuple(state['fc.weight'].shape)} (expected "
            f"{(FID_INCEPTION_CLASSES, FID_INCEPTION_FEATURES)}: the FID "
            "network has 1008 classes; torchvision's ImageNet Inception3, "
            "a different network, has 1000)")
    if wrong:
        raise ValueError(
            f"fid_inception_extractor: entries of the state dict in "
            f"{path!r} have the wrong shape: {_listed(wrong, limit=3)}."
            + hint)


def _check_weights(weights):
    if weights is None:
        return None
    if isinstance(weights, str) and weights == "imagenet":
        raise ValueError(
            'fid_inception_extractor does not take weights="imagenet": '
            "Keras' ImageNet InceptionV3 is a different network (use "
            'inception_feature_extractor(weights="imagenet") for it; its '
            "FIDs are not comparable with published ones). Download "
            "pytorch-fid's weights file for the FID network once, from "
            f"{FID_WEIGHTS_URL}, and pass its path (weights=None gives "
            "random weights).")
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(
            "fid_inception_extractor `weights` must be None or the path to "
            "pytorch-fid's weights file, got "
            f"{type(weights).__name__}.")
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise ValueError(
            f"fid_inception_extractor found no weights file at {path!r}. "
            "Download pytorch-fid's weights file "
            f"pt_inception-2015-12-05-6726825d.pth from {FID_WEIGHTS_URL} "
            "and pass its path, or pass weights=None for random weights.")
    return path


def _check_input_shape(input_shape, resize_input):
    if input_shape is None:
        return (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or input_shape[-1] not in (1, 3):
        raise ValueError(
            "fid_inception_extractor needs channels-last images of shape "
            "(height, width, channels) with 1 or 3 channels, got "
            f"input_shape={input_shape}. Pass e.g. input_shape=(28, 28, 1) "
            "or (32, 32, 3).")
    if not resize_input and any(size is not None and size < MIN_SIZE
                                for size in input_shape[:2]):
        raise ValueError(
            f"fid_inception_extractor with resize_input=False needs images "
            f"of at least {MIN_SIZE}x{MIN_SIZE}, got input_shape="
            f"{input_shape}. Keep resize_input=True (pytorch-fid's default: "
            "bilinear to 299x299).")
    return input_shape


def fid_inception_extractor(weights=None, input_shape=None,
                            resize_input=True):
    """Builds the FID Inception network: images to 2048 pool3 features.

    The network behind published FIDs (Heusel et al. 2017, the TTUR code):
    the 2015 TF-slim Inception graph, as ported to PyTorch by `pytorch-fid`
    (`pytorch_fid.inception.InceptionV3`, its default
    `use_fid_inception=True`), written in Keras layers: channels-last, on
    every backend, inside compiled steps. It differs from
    `keras.applications.InceptionV3` (see `inception_feature_extractor`) in
    its weights (the 2015 graph's, 1008 classes) and in the last block,
    whose pool branch is a max pool; from torchvision's Inception3 also in
    its average pools, which leave the padding out of the average (as
    Keras' "same" pooling does). Pass it as `feature_extractor` to
    `FrechetDistance` (FID) or `KernelDistance` (KID).

    Input: images in `[-1, 1]` (this library's range for generated images),
    channels-last, of any size; one channel is tiled to three. They are
    resized to 299x299 as pytorch-fid does, bilinear without antialiasing
    (`F.interpolate(x, size=(299, 299), mode="bilinear",
    align_corners=False)`; `keras.layers.Resizing` gives the same values,
    to float32 round-off, on every backend, up and down). pytorch-fid maps
    its `[0, 1]` images to `[-1, 1]` (`2 * x - 1`) after resizing; resizing
    is affine, so images already in `[-1, 1]` give the same network input.
    Output: the 2048 features after the global average pool (pool3),
    float32.

    Nothing is downloaded. For a real FID download pytorch-fid's weights
    file once,
    https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
    (`6726825d` is the start of its SHA-256, torch.hub's convention:
    `torch.hub.download_url_to_file(url, path, hash_prefix="6726825d")`
    checks it), and pass its path. Reading it needs PyTorch (`torch.load`,
    on the CPU, whatever the Keras backend), or a `.npz` of the same keys
    converted once where PyTorch is installed.

    Args:
        weights: `None` (random weights: deterministic given the seed,
            useful in tests and to compare models within one run, but not
            an FID) or the path to pytorch-fid's state dict
            (`pt_inception-2015-12-05-6726825d.pth`), or a `.npz` of the
            same arrays. Its conv weights (PyTorch's `(out, in, h, w)`) and
            batch-norm statistics are loaded; `fc.*` and
            `num_batches_tracked` are ignored. Strings other than a path,
            e.g. `"imagenet"`, are refused.
        input_shape: the shape of one image, channels-last, e.g.
            `(32, 32, 3)` or `(28, 28, 1)`; `None` means 3-channel images of
            any size.
        resize_input: resize to 299x299 (pytorch-fid's default). With
            `False` the images go in at their own size (at least 75x75):
            not the FID protocol.

    Returns:
        A `keras.Model` from a batch of images to a `(batch, 2048)` tensor.

    Example:

    >>> import keras_aegan as kag
    >>> extractor = kag.metrics.fid_inception_extractor(
    ...     input_shape=(32, 32, 3))  # random weights: for tests only
    >>> tuple(extractor.output_shape)
    (None, 2048)
    >>> fid = kag.metrics.FrechetDistance(extractor)
    >>> fid.feature_dim
    2048
    """
    path = _check_weights(weights)
    input_shape = _check_input_shape(input_shape, resize_input)
    state = None
    if path is not None:  # read and checked before building anything
        state = _read_state_dict(path)
        _check_state_dict(state, path)
    images = keras.Input(shape=input_shape, name="images")
    x = images
    if input_shape[-1] == 1:
        x = keras.layers.Concatenate(axis=-1, name="gray_to_rgb")([x, x, x])
    if resize_input:
        x = keras.layers.Resizing(
            FID_INCEPTION_SIZE, FID_INCEPTION_SIZE, interpolation="bilinear",
            data_format="channels_last", dtype="float32", name="resize")(x)
    # The file's values replace the initial ones: start from zeros, which
    # are cheap (JAX compiles a random initializer for each kernel shape:
    # most of a JAX build's time), then declare Keras' default initializer,
    # so that a copy rebuilt from the config (e.g. a FrechetDistance's) is
    # random as with weights=None, not a network of zeros.
    builder = _KerasBuilder("glorot_uniform" if state is None else "zeros")
    features = _fid_inception(builder, x)
    model = keras.Model(images, features, name="fid_inception_extractor")
    if state is not None:
        for name, (conv, bn) in builder.convs.items():
            # PyTorch (out, in, h, w) -> Keras (h, w, in, out).
            conv.kernel.assign(np.transpose(
                state[f"{name}.conv.weight"], (2, 3, 1, 0)).astype("float32"))
            bn.set_weights([
                np.asarray(state[f"{name}.bn.{entry}"], dtype="float32")
                for entry in ("weight", "bias", "running_mean",
                              "running_var")])
            conv.kernel_initializer = keras.initializers.get(
                "glorot_uniform")
    return model

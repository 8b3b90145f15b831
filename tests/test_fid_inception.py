"""kag.metrics.fid_inception_extractor against pytorch-fid itself.

pytorch-fid's network is built from its own modules (torchvision's
Inception3 with pytorch-fid's FIDInception blocks) with random weights and
random batch-norm statistics, in place of its download; its state dict,
saved as a .pth file, is what our extractor loads. The features must match
on every backend, and our FrechetDistance must match pytorch-fid's
calculate_frechet_distance.
"""

import sys

import keras
import numpy as np
import pytest
import torch

import keras_aegan as kag
from keras_aegan.src.metrics import fid_inception

# One module-scoped network for the tests below: under pytest-xdist they run
# in the same process (`make test` passes --dist loadgroup).
pytestmark = pytest.mark.xdist_group("fid_inception")

# Features within 1e-4 of pytorch-fid's, relative to their largest value.
FEATURE_RTOL = 1e-4
_TORCHVISION_OPS = []  # the operator definitions below must stay alive


def import_pytorch_fid():
    """`pytorch_fid.inception` and `pytorch_fid.fid_score`.

    Next to a CPU-only torch, the torchvision wheel on PyPI (built for CUDA)
    cannot load its C++ operators, and torchvision 0.28 then fails on import
    (`operator torchvision::nms does not exist`): it registers fake kernels
    for `nms` and `qnms` without checking that they loaded. Declaring those
    two operators first lets it import; pytorch-fid uses none of
    torchvision's operators (only its Inception3 modules). With a
    torchvision whose operators load, the first import succeeds.
    """
    try:
        import torchvision  # noqa: F401
    except RuntimeError as error:
        if "torchvision::" not in str(error):
            raise
        for name in [name for name in sys.modules
                     if name == "torchvision"
                     or name.startswith("torchvision.")]:
            del sys.modules[name]
        library = torch.library.Library("torchvision", "DEF")
        for op in ("nms", "qnms"):
            library.define(f"{op}(Tensor dets, Tensor scores, "
                           "float iou_threshold) -> Tensor")
        _TORCHVISION_OPS.append(library)
        import torchvision  # noqa: F401
    from pytorch_fid import fid_score
    from pytorch_fid import inception

    return inception, fid_score


pytorch_fid_inception, pytorch_fid_score = import_pytorch_fid()


def randomize(state, seed):
    """A random FID Inception state dict: He-scaled conv weights and batch
    norms with random scales, shifts and running statistics (so that
    pytorch-fid's eval-mode batch norm and ours differ if either misreads
    them), shaped like `state`."""
    generator = torch.Generator().manual_seed(seed)

    def uniform(shape, low, high):
        return low + (high - low) * torch.rand(shape, generator=generator)

    def normal(shape, std):
        return std * torch.randn(shape, generator=generator)

    randomized = {}
    for key, value in state.items():
        shape = value.shape
        if key.endswith("num_batches_tracked"):
            randomized[key] = value.clone()
        elif key.endswith("conv.weight"):
            fan_in = int(np.prod(shape[1:]))
            randomized[key] = normal(shape, np.sqrt(2.0 / fan_in))
        elif key.endswith(("bn.weight", "running_var")):
            randomized[key] = uniform(shape, 0.5, 1.5)
        elif key.endswith(("bn.bias", "running_mean")):
            randomized[key] = normal(shape, 0.2)
        else:  # fc
            randomized[key] = normal(shape, 0.01)
    return randomized


def pytorch_fid_network(monkeypatch):
    """pytorch-fid's `InceptionV3([3])` (pool3 features; its defaults, as
    in its fid_score: resize to 299, [0, 1] input) with a random state dict
    in place of the downloaded weights; returns the network (eval mode) and
    the state dict it holds."""
    built, loaded = [], []
    build = pytorch_fid_inception._inception_v3

    def capture(*args, **kwargs):  # torchvision's Inception3
        built.append(build(*args, **kwargs))
        return built[-1]

    def load(url, **kwargs):  # called after the FID blocks are swapped in
        assert url == pytorch_fid_inception.FID_WEIGHTS_URL
        loaded.append(randomize(built[-1].state_dict(), seed=0))
        return loaded[-1]

    monkeypatch.setattr(pytorch_fid_inception, "_inception_v3", capture)
    monkeypatch.setattr(pytorch_fid_inception, "load_state_dict_from_url",
                        load)
    network = pytorch_fid_inception.InceptionV3([3])
    return network.eval(), loaded[-1]


def pool3(network, images_nchw):
    """pytorch-fid's features, on one thread: beside other busy processes
    (the other test worker, TensorFlow's or JAX's threads) PyTorch's two
    OpenMP threads wait on each other, 20 times slower (measured: 4.6 s of
    CPU against 0.2 s for one image)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            (features,) = network(torch.from_numpy(images_nchw))
    finally:
        torch.set_num_threads(threads)
    return features[:, :, 0, 0].numpy()


def max_relative_difference(ours, reference):
    return float(np.max(np.abs(ours - reference))
                 / np.max(np.abs(reference)))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """pytorch-fid's network with its defaults (resize to 299, [0, 1]
    input), its random state dict, and that state dict saved as a .pth
    file (as pytorch-fid's weights file is)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        network, state = pytorch_fid_network(monkeypatch)
    path = tmp_path_factory.mktemp("fid") / "pt_inception-random.pth"
    torch.save(state, path)
    return network, state, path


@pytest.fixture(scope="module")
def extractor(reference):
    """Ours, with its defaults, loaded from the .pth file."""
    keras.utils.set_random_seed(1)  # not the file's weights
    return kag.metrics.fid_inception_extractor(reference[2])


def features(extractor, images):
    """The extractor's features from `predict`: inside the backend's
    compiled step (jax.jit, tf.function; eager on PyTorch), as in a
    training step. On JAX also the cheapest: one XLA compilation rather
    than one per operation when called eagerly (2 s of CPU against 10)."""
    return extractor.predict(images, batch_size=len(images), verbose=0)


def test_features_match_pytorch_fid(reference, extractor):
    """pytorch-fid's FID protocol end to end: bilinear resize to 299,
    [0, 1] images mapped to [-1, 1] by pytorch-fid, ours given [-1, 1]."""
    network = reference[0]
    images = np.random.default_rng(0).uniform(
        -1, 1, size=(1, 24, 20, 3)).astype("float32")
    expected = pool3(network, (images.transpose(0, 3, 1, 2) + 1) / 2)
    ours = features(extractor, images)
    assert ours.shape == expected.shape == (1, 2048)
    assert np.std(expected) > 0.05 * np.max(np.abs(expected))  # not flat
    assert max_relative_difference(ours, expected) <= FEATURE_RTOL


def test_gray_images_without_resizing_match_pytorch_fid(reference,
                                                        monkeypatch,
                                                        tmp_path):
    """1 channel tiled to 3; resize_input=False (pytorch-fid's too), at a
    size (139) where the last blocks' maps are 3x3: their pools' borders
    and centre; weights from a .npz."""
    network, state, _ = reference
    # The same arrays in a .npz (read without PyTorch).
    path = tmp_path / "fid_inception.npz"
    np.savez(path, **{key: value.numpy() for key, value in state.items()})
    extractor = kag.metrics.fid_inception_extractor(
        path, input_shape=(139, 139, 1), resize_input=False)
    images = np.random.default_rng(1).uniform(
        -1, 1, size=(2, 139, 139, 1)).astype("float32")
    # The attributes pytorch-fid's forward reads.
    monkeypatch.setattr(network, "resize_input", False)
    monkeypatch.setattr(network, "normalize_input", False)
    expected = pool3(network, np.repeat(images, 3, axis=-1).transpose(
        0, 3, 1, 2))
    ours = features(extractor, images)
    assert max_relative_difference(ours, expected) <= FEATURE_RTOL


def test_resizing_matches_pytorch_fid():
    """keras.layers.Resizing(299, 299, "bilinear") as pytorch-fid's
    F.interpolate(align_corners=False, no antialiasing), up and down
    (measured: within 2e-5 on TensorFlow, 2e-7 on JAX, equal on PyTorch)."""
    for size in [(16, 16), (120, 90), (480, 640)]:
        images = np.random.default_rng(2).uniform(
            -1, 1, size=(2, *size, 3)).astype("float32")
        expected = torch.nn.functional.interpolate(
            torch.from_numpy(images.transpose(0, 3, 1, 2)), size=(299, 299),
            mode="bilinear", align_corners=False).numpy().transpose(
                0, 2, 3, 1)
        ours = keras.ops.convert_to_numpy(keras.layers.Resizing(
            299, 299, interpolation="bilinear")(images))
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-4,
                                   err_msg=f"from {size}")


def test_average_pool_leaves_the_padding_out():
    """FIDInception's F.avg_pool2d(3, 1, padding=1, count_include_pad=False)
    is Keras' "same" AveragePooling2D on every backend."""
    x = np.random.default_rng(3).uniform(size=(2, 5, 4, 3)).astype("float32")
    expected = torch.nn.functional.avg_pool2d(
        torch.from_numpy(x.transpose(0, 3, 1, 2)), 3, stride=1, padding=1,
        count_include_pad=False).numpy().transpose(0, 2, 3, 1)
    ours = keras.ops.convert_to_numpy(
        keras.layers.AveragePooling2D(3, 1, padding="same")(x))
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-7)


# FrechetDistance against pytorch-fid's calculate_frechet_distance ----------

def pytorch_fid_distance(a, b):
    """pytorch-fid's statistics (calculate_activation_statistics) and
    distance, in float64."""
    a, b = a.astype("float64"), b.astype("float64")
    return pytorch_fid_score.calculate_frechet_distance(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0),
        np.cov(b, rowvar=False))


def feature_sets(case):
    rng = np.random.default_rng(4)
    dim = 64
    mixing = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    if case == "same_distribution":
        a, b = rng.normal(size=(2, 1000, dim)) @ mixing + 1.0
    elif case == "shifted":
        a, b = rng.normal(size=(2, 1000, dim)) @ mixing + 1.0
        b = 1.3 * b + 0.5
    else:  # fewer samples than dimensions: rank-deficient covariances
        a, b = rng.normal(size=(2, 40, dim)) @ mixing
        b = b + 0.2
    return a.astype("float32"), b.astype("float32")


# pytorch-fid 0.3.0 passes sqrtm's `disp`, deprecated in SciPy 1.16.
@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")
@pytest.mark.parametrize("case", ["same_distribution", "shifted",
                                  "rank_deficient"])
def test_frechet_distance_matches_pytorch_fid(case):
    """Within 1e-6 relative with float64 state, 1e-4 with float32 (JAX
    without x64), of pytorch-fid's scipy.linalg.sqrtm route."""
    a, b = feature_sets(case)
    metric = kag.metrics.FrechetDistance(feature_dim=a.shape[1])
    metric.update_state(a, b)
    ours = float(keras.ops.convert_to_numpy(metric.result()))
    rtol = 1e-6 if metric.state_dtype == "float64" else 1e-4
    assert ours == pytest.approx(pytorch_fid_distance(a, b), rel=rtol)


# Errors --------------------------------------------------------------------

@pytest.mark.backend_independent
def test_weights_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="different network"):
        kag.metrics.fid_inception_extractor("imagenet")
    with pytest.raises(ValueError, match="no weights file.*pytorch-fid"):
        kag.metrics.fid_inception_extractor(tmp_path / "missing.pth")
    with pytest.raises(TypeError, match="path"):
        kag.metrics.fid_inception_extractor(3)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        kag.metrics.fid_inception_extractor(input_shape=(32, 32, 2))
    with pytest.raises(ValueError, match="at least 75x75"):
        kag.metrics.fid_inception_extractor(input_shape=(32, 32, 3),
                                            resize_input=False)
    broken = tmp_path / "broken.pth"
    broken.write_text("<html>not found</html>")
    with pytest.raises(ValueError, match="could not read"):
        kag.metrics.fid_inception_extractor(broken)
    with pytest.raises(ValueError, match="could not read"):
        kag.metrics.fid_inception_extractor(broken.rename(
            tmp_path / "broken.npz"))
    weights = tmp_path / "weights.pth"
    weights.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "torch", None)  # as if not installed
    with pytest.raises(ImportError, match="pip install torch.*npz"):
        kag.metrics.fid_inception_extractor(weights)


@pytest.mark.backend_independent
def test_state_dict_errors_name_the_entries(reference, tmp_path):
    state = reference[1]

    def saved(changed):
        path = tmp_path / "changed.pth"
        torch.save(changed, path)
        return path

    missing = {k: v for k, v in state.items()
               if k != "Mixed_6b.branch7x7_2.bn.running_var"}
    with pytest.raises(ValueError, match=r"lacks 1 of the 470 entries.*"
                       r"Mixed_6b\.branch7x7_2\.bn\.running_var"):
        kag.metrics.fid_inception_extractor(saved(missing))
    extra = {**state, "AuxLogits.fc.weight": torch.zeros(1008, 768)}
    with pytest.raises(ValueError, match=r"does not have: AuxLogits\.fc"):
        kag.metrics.fid_inception_extractor(saved(extra))
    reshaped = {**state, "Conv2d_1a_3x3.conv.weight": torch.zeros(32, 1, 3, 3)}
    with pytest.raises(ValueError, match=r"wrong shape: Conv2d_1a_3x3\.conv"
                       r"\.weight \(32, 1, 3, 3\) \(expected \(32, 3, 3, 3\)"):
        kag.metrics.fid_inception_extractor(saved(reshaped))
    imagenet = {**state, "fc.weight": torch.zeros(1000, 2048)}
    with pytest.raises(ValueError, match="1008 classes"):
        kag.metrics.fid_inception_extractor(saved(imagenet))
    # The same arrays in a .npz load without PyTorch.
    npz = tmp_path / "fid_inception.npz"
    np.savez(npz, **{k: v.numpy() for k, v in missing.items()})
    with pytest.raises(ValueError, match="lacks 1 of the 470"):
        kag.metrics.fid_inception_extractor(npz)


@pytest.mark.backend_independent
def test_state_dict_entries_are_pytorch_fids(reference):
    """Our list of entries is pytorch-fid's state dict without fc and
    num_batches_tracked, with the same shapes."""
    state = reference[1]
    used = {key: tuple(value.shape) for key, value in state.items()
            if not key.startswith("fc.")
            and not key.endswith("num_batches_tracked")}
    assert fid_inception.fid_inception_state_dict_shapes() == used

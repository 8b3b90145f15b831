"""FrechetDistance, KernelDistance, PrecisionRecall, Inception extractor.

NumPy / SciPy implementations below are the references; the metrics
themselves use keras.ops only.
"""

import keras
import numpy as np
import pytest
import scipy.linalg

import keras_aegan as kag
from keras_aegan.src.metrics import base

BACKEND = keras.backend.backend()


def value(x):
    return float(keras.ops.convert_to_numpy(x))


def values(result):
    return {k: value(v) for k, v in result.items()}


def rtol(metric):
    """float64 state: tight; float32 (JAX without x64): a few ulps × d²."""
    return 1e-6 if metric.state_dtype == "float64" else 1e-4


def features(seed, n, d=8, shift=0.0):
    """Correlated, non-centred features (mean 1 + shift); one distribution
    per (d, shift), one draw per seed."""
    mixing = np.random.default_rng(d).normal(size=(d, d)) / np.sqrt(d)
    draw = np.random.default_rng(seed).normal(size=(n, d))
    return (draw @ mixing + 1.0 + shift).astype("float32")


def update_in_chunks(metric, real, generated, chunks=3):
    for r, g in zip(np.array_split(real, chunks),
                    np.array_split(generated, chunks), strict=True):
        metric.update_state(r, g)


def traced_result(metric, real, generated):
    """Update and result inside a compiled function of the backend."""
    if BACKEND == "jax":
        import jax

        @jax.jit
        def run(state, real, generated):
            state = metric.stateless_update_state(state, real, generated)
            return metric.stateless_result(state)

        return run([v.value for v in metric.variables], real, generated)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        @tf.function
        def run(real, generated):
            metric.update_state(real, generated)
            return metric.result()

        return run(real, generated)
    metric.update_state(real, generated)  # torch: eager only
    return metric.result()


# NumPy references ----------------------------------------------------------

def frechet_reference(x, y):
    x, y = x.astype("float64"), y.astype("float64")
    cov_x, cov_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = scipy.linalg.sqrtm(cov_x @ cov_y).real
    return (np.sum((x.mean(0) - y.mean(0)) ** 2)
            + np.trace(cov_x + cov_y - 2 * root))


def mmd_reference(x, y):
    x, y = x.astype("float64"), y.astype("float64")
    d = x.shape[1]
    kernel = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    m, n = len(x), len(y)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * kxy.mean())


def precision_recall_reference(real, generated, k):
    real, generated = real.astype("float64"), generated.astype("float64")

    def radii(x):
        distances = np.linalg.norm(x[:, None] - x[None], axis=-1)
        return np.sort(distances, axis=1)[:, k]  # column 0 is the point

    def inside(queries, reference):
        distances = np.linalg.norm(queries[:, None] - reference[None], axis=-1)
        return np.mean(np.any(distances <= radii(reference)[None], axis=1))

    return {"precision": inside(generated, real),
            "recall": inside(real, generated)}


# FrechetDistance -----------------------------------------------------------

def test_frechet_matches_scipy_reference_and_streams():
    real, generated = features(0, 300), features(1, 240, shift=0.3)
    expected = frechet_reference(real, generated)
    streamed = kag.metrics.FrechetDistance(feature_dim=8)
    update_in_chunks(streamed, real, generated)
    once = kag.metrics.FrechetDistance(feature_dim=8)
    once.update_state(real, generated)
    np.testing.assert_allclose(value(streamed.result()), expected, rtol=1e-4)
    np.testing.assert_allclose(value(streamed.result()),
                               value(once.result()), rtol=rtol(once))
    # Sides may be updated separately.
    split = kag.metrics.FrechetDistance(feature_dim=8)
    split.update_state(real, None)
    split.update_state(None, generated)
    np.testing.assert_allclose(value(split.result()), value(once.result()),
                               rtol=rtol(once))


def rank_deficient_reference(x, y):
    """The Fréchet distance in float64 by eigendecomposition, round-off
    eigenvalues (below d * eps * max) counted as 0: scipy's sqrtm of a
    product of singular matrices is itself inaccurate."""
    x, y = x.astype("float64"), y.astype("float64")
    cov_x, cov_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)

    def floor(values):
        tolerance = len(values) * np.finfo("float64").eps * values.max()
        return np.where(values > tolerance, values, 0.0)

    values, vectors = np.linalg.eigh(cov_x)
    root_x = (vectors * np.sqrt(floor(values))) @ vectors.T
    middle = root_x @ cov_y @ root_x
    trace_root = np.sqrt(floor(np.linalg.eigvalsh((middle + middle.T) / 2)))
    return (np.sum((x.mean(0) - y.mean(0)) ** 2) + np.trace(cov_x)
            + np.trace(cov_y) - 2 * trace_root.sum())


@pytest.mark.parametrize("dim, rank, count", [
    (256, 32, 1000),   # features in a subspace
    (512, 64, 300),    # and fewer samples than dimensions
    (64, 64, 2000),    # full rank, badly conditioned
])
def test_frechet_rank_deficient_covariances_in_every_dtype(dim, rank, count):
    """Within 1e-4 of a float64 reference on every backend, also in JAX's
    default float32 (the eigenvalue route was 1-2% low there)."""
    rng = np.random.default_rng(dim)
    basis = rng.standard_normal((rank, dim))
    real = rng.standard_normal((count, rank)) @ basis / np.sqrt(rank)
    generated = (rng.standard_normal((count, rank))
                 @ (basis + 0.3 * rng.standard_normal((rank, dim)))
                 / np.sqrt(rank) + 0.1)
    real, generated = real.astype("float32"), generated.astype("float32")
    metric = kag.metrics.FrechetDistance(feature_dim=dim)
    metric.update_state(real, generated)
    np.testing.assert_allclose(value(metric.result()),
                               rank_deficient_reference(real, generated),
                               rtol=1e-4)


def test_frechet_identical_sets_and_reset():
    metric = kag.metrics.FrechetDistance(feature_dim=8)
    assert np.isnan(value(metric.result()))
    x = features(2, 300)
    metric.update_state(x, x)
    assert abs(value(metric.result())) < 1e-3
    metric.reset_state()
    assert np.isnan(value(metric.result()))
    metric.update_state(x, x + 1.0)
    np.testing.assert_allclose(value(metric.result()), 8.0, rtol=1e-4)


def test_frechet_two_gaussians_gives_squared_mean_distance():
    rng = np.random.default_rng(3)
    shift = np.array([3.0, -4.0], "float32")
    real = rng.normal(size=(20_000, 2)).astype("float32")
    generated = rng.normal(size=(20_000, 2)).astype("float32") + shift
    metric = kag.metrics.FrechetDistance(feature_dim=2)
    metric.update_state(real, generated)
    np.testing.assert_allclose(value(metric.result()), 25.0, atol=0.1)


def test_frechet_with_feature_extractor_and_images():
    keras.utils.set_random_seed(0)
    extractor = keras.Sequential([
        keras.Input((4, 4, 1)), keras.layers.Flatten(),
        keras.layers.Dense(5, activation="tanh")])
    metric = kag.metrics.FrechetDistance(extractor)
    assert metric.feature_dim == 5  # inferred from the output shape
    rng = np.random.default_rng(4)
    real = rng.normal(size=(64, 4, 4, 1)).astype("float32")
    generated = rng.normal(size=(48, 4, 4, 1)).astype("float32") + 0.5
    metric.update_state(real, generated)
    expected = frechet_reference(
        keras.ops.convert_to_numpy(extractor(real)),
        keras.ops.convert_to_numpy(extractor(generated)))
    np.testing.assert_allclose(value(metric.result()), expected, rtol=1e-4)
    # Without an extractor, images are flattened.
    flat = kag.metrics.FrechetDistance(feature_dim=16)
    flat.update_state(real, generated)
    np.testing.assert_allclose(
        value(flat.result()),
        frechet_reference(real.reshape(64, -1), generated.reshape(48, -1)),
        rtol=1e-4)


def test_frechet_bad_arguments():
    with pytest.raises(ValueError, match="feature_dim="):
        kag.metrics.FrechetDistance()
    with pytest.raises(TypeError, match="keras.Model"):
        kag.metrics.FrechetDistance(lambda x: x, feature_dim=2)
    with pytest.raises(ValueError, match="positive int"):
        kag.metrics.FrechetDistance(feature_dim=0)
    extractor = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="outputs 4 values"):
        kag.metrics.FrechetDistance(extractor, feature_dim=3)
    metric = kag.metrics.FrechetDistance(feature_dim=2)
    with pytest.raises(ValueError, match=r"expects 2 feature.*\(4, 3\)"):
        metric.update_state(np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="sample_weight"):
        metric.update_state(np.zeros((4, 2)), np.zeros((4, 2)),
                            sample_weight=np.ones(4))
    with pytest.raises(ValueError, match="real=None and generated=None"):
        metric.update_state(None, None)


# KernelDistance ------------------------------------------------------------

def test_kernel_distance_matches_numpy_reference_and_streams():
    real, generated = features(5, 150), features(6, 120, shift=0.3)
    metric = kag.metrics.KernelDistance(feature_dim=8, max_samples=500)
    update_in_chunks(metric, real, generated)
    np.testing.assert_allclose(value(metric.result()),
                               mmd_reference(real, generated), rtol=1e-4)


def test_kernel_distance_near_zero_keeps_its_digits():
    """Two sets from one distribution: a KID of about 4e-6 that float32
    must not drown (JAX's default dtype; float64 elsewhere)."""
    rng = np.random.default_rng(0)
    real = (np.abs(rng.standard_normal((1000, 2048))) * 0.5).astype(
        "float32")
    generated = (np.abs(rng.standard_normal((1000, 2048))) * 0.5).astype(
        "float32")
    metric = kag.metrics.KernelDistance(feature_dim=2048, max_samples=1000)
    metric.update_state(real, generated)
    expected = mmd_reference(real, generated)
    np.testing.assert_allclose(value(metric.result()), expected, rtol=1e-2)


def test_kernel_distance_over_several_blocks(monkeypatch):
    """Blocks of 16 rows: loops over full and partial blocks."""
    monkeypatch.setattr(base, "BLOCK", 16)
    real, generated = features(7, 70, d=3), features(8, 41, d=3, shift=0.2)
    metric = kag.metrics.KernelDistance(feature_dim=3, max_samples=100)
    assert metric._block == 16
    update_in_chunks(metric, real, generated, chunks=4)
    np.testing.assert_allclose(value(metric.result()),
                               mmd_reference(real, generated), rtol=1e-4)


def test_kernel_distance_same_vs_shifted_distribution():
    metric = kag.metrics.KernelDistance(feature_dim=8, max_samples=400)
    metric.update_state(features(9, 400), features(10, 400))
    same = value(metric.result())
    metric.reset_state()
    metric.update_state(features(9, 400), features(10, 400, shift=1.0))
    shifted = value(metric.result())
    # Same distribution: unbiased, so ~0 (the estimator's std here is ~0.08
    # over draws); a shift of 1 per feature gives ~100.
    assert abs(same) < 0.3 and shifted > 10.0, (same, shifted)


def test_kernel_distance_full_buffer_raises_and_keeps_state():
    real, generated = features(11, 12, d=2), features(12, 12, d=2)
    metric = kag.metrics.KernelDistance(feature_dim=2, max_samples=10)
    assert np.isnan(value(metric.result()))
    metric.update_state(real[:8], generated[:8])
    before = value(metric.result())
    with pytest.raises(ValueError, match="max_samples=10 generated.*12"):
        metric.update_state(None, generated[:4])
    with pytest.raises(ValueError, match="larger max_samples"):
        metric.update_state(real[8:10], generated[8:12])
    assert value(metric.result()) == before  # nothing was stored
    np.testing.assert_allclose(before, mmd_reference(real[:8], generated[:8]),
                               rtol=1e-4)
    with pytest.raises(ValueError, match="max_samples"):
        kag.metrics.KernelDistance(feature_dim=2, max_samples=1)


# PrecisionRecall -----------------------------------------------------------

def test_precision_recall_matches_numpy_reference():
    real, generated = features(13, 120, d=5), features(14, 100, d=5, shift=0.4)
    metric = kag.metrics.PrecisionRecall(feature_dim=5, k=3, max_samples=200)
    update_in_chunks(metric, real, generated)
    result = values(metric.result())
    expected = precision_recall_reference(real, generated, 3)
    assert 0.1 < expected["precision"] < 0.95  # a non-trivial case
    assert 0.1 < expected["recall"] < 0.95
    assert result == pytest.approx(expected, abs=1e-6)


def test_precision_recall_over_several_blocks(monkeypatch):
    monkeypatch.setattr(base, "BLOCK", 16)
    real, generated = features(15, 53, d=3), features(16, 38, d=3, shift=0.5)
    metric = kag.metrics.PrecisionRecall(feature_dim=3, k=5, max_samples=60)
    assert metric._block == 16
    update_in_chunks(metric, real, generated, chunks=4)
    assert values(metric.result()) == pytest.approx(
        precision_recall_reference(real, generated, 5), abs=1e-6)


def test_precision_recall_identical_and_disjoint_sets():
    x = features(17, 80, d=4)
    metric = kag.metrics.PrecisionRecall(feature_dim=4, max_samples=100)
    metric.update_state(x, x)
    assert values(metric.result()) == {"precision": 1.0, "recall": 1.0}
    metric.reset_state()
    assert all(np.isnan(v) for v in values(metric.result()).values())
    metric.update_state(x, x + 100.0)
    assert values(metric.result()) == {"precision": 0.0, "recall": 0.0}
    with pytest.raises(ValueError, match="k < max_samples"):
        kag.metrics.PrecisionRecall(feature_dim=4, k=5, max_samples=5)
    with pytest.raises(ValueError, match="positive int"):
        kag.metrics.PrecisionRecall(feature_dim=4, k=0)


# All three: graphs, config -------------------------------------------------

METRICS = {
    "frechet": lambda: kag.metrics.FrechetDistance(feature_dim=8),
    "kernel": lambda: kag.metrics.KernelDistance(feature_dim=8,
                                                 max_samples=100),
    "precision_recall": lambda: kag.metrics.PrecisionRecall(
        feature_dim=8, max_samples=100),
}


def as_numbers(result):
    if isinstance(result, dict):
        return values(result)
    return {"value": value(result)}


@pytest.mark.parametrize("name", sorted(METRICS))
def test_runs_inside_compiled_functions(name):
    real, generated = features(18, 60), features(19, 50, shift=0.3)
    eager = METRICS[name]()
    eager.update_state(real, generated)
    traced = traced_result(METRICS[name](), real, generated)
    assert as_numbers(traced) == pytest.approx(as_numbers(eager.result()),
                                               rel=10 * rtol(eager))


def test_state_and_result_dtype():
    expected = {"tensorflow": "float64", "torch": "float64",
                "jax": "float64" if keras.config.backend() == "jax"
                and __import__("jax").config.jax_enable_x64 else "float32"}
    for name, make in METRICS.items():
        metric = make()
        assert metric.state_dtype == expected[BACKEND], name
        metric.update_state(features(23, 20), features(24, 20))
        result = metric.result()
        for tensor in (result.values() if isinstance(result, dict)
                       else [result]):
            assert keras.backend.standardize_dtype(tensor.dtype) == (
                metric.state_dtype), name


@pytest.mark.parametrize("name", ["kernel", "precision_recall"])
def test_overflow_inside_the_step_gives_nan_or_an_error(name):
    # Inside a compiled function (TensorFlow, JAX) an overflow of the
    # sample buffer cannot raise: the result is NaN. PyTorch runs the
    # metric eagerly, where it is an error that names max_samples.
    metric = METRICS[name]()
    if BACKEND == "torch":
        with pytest.raises(ValueError, match="max_samples"):
            traced_result(metric, features(20, 101), features(21, 50))
        return
    result = traced_result(metric, features(20, 101), features(21, 50))
    assert all(np.isnan(v) for v in as_numbers(result).values())


@pytest.mark.parametrize("name", sorted(METRICS))
def test_serialization_round_trip(name):
    extractor = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8)],
                                 name="features")
    for metric in (METRICS[name](),
                   type(METRICS[name]())(extractor, max_samples=100)
                   if name != "frechet"
                   else kag.metrics.FrechetDistance(extractor)):
        config = keras.saving.serialize_keras_object(metric)
        clone = keras.saving.deserialize_keras_object(config)
        assert type(clone) is type(metric)
        assert clone.get_config() == metric.get_config()
        assert clone.feature_dim == 8
        if metric.feature_extractor is not None:
            assert isinstance(clone.feature_extractor, keras.Model)
            assert clone.feature_extractor.output_shape == (None, 8)


def test_registered_names():
    for cls in (kag.metrics.FrechetDistance, kag.metrics.KernelDistance,
                kag.metrics.PrecisionRecall):
        assert keras.saving.get_registered_name(cls) == (
            f"keras_aegan>{cls.__name__}")


# Inception extractor -------------------------------------------------------

# The two InceptionV3 tests in one process under pytest-xdist: on JAX the
# first build compiles a random initializer per kernel shape (18 s of CPU
# measured on a busy 2-core machine), which the second one reuses.
@pytest.mark.xdist_group("keras_inception")
def test_inception_extractor_shape_and_weights_file(tmp_path):
    keras.utils.set_random_seed(0)
    extractor = kag.metrics.inception_feature_extractor(input_shape=(8, 8, 1))
    images = np.random.default_rng(22).uniform(
        -1, 1, size=(2, 8, 8, 1)).astype("float32")
    out = keras.ops.convert_to_numpy(extractor(images, training=False))
    assert out.shape == (2, 2048)
    path = tmp_path / "inception.weights.h5"
    extractor.save_weights(path)
    keras.utils.set_random_seed(1)
    loaded = kag.metrics.inception_feature_extractor(path,
                                                     input_shape=(8, 8, 1))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(images, training=False)), out,
        rtol=1e-5, atol=1e-6)


@pytest.mark.xdist_group("keras_inception")
def test_inception_extractor_imagenet_weights_come_from_keras(
        tmp_path, monkeypatch):
    """weights="imagenet" is keras.applications.InceptionV3's: it asks
    Keras' get_file for the notop file, here a local legacy .h5 file (the
    format of Keras' download) in place of the download."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format
    from keras.src.utils import file_utils  # what keras.applications calls

    keras.utils.set_random_seed(0)
    source = kag.metrics.inception_feature_extractor(input_shape=(8, 8, 1))
    name = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    path = tmp_path / name
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, source)
    requested = []

    def get_file(fname=None, origin=None, **kwargs):
        requested.append((fname, origin))
        return str(path)

    monkeypatch.setattr(file_utils, "get_file", get_file)
    keras.utils.set_random_seed(1)
    loaded = kag.metrics.inception_feature_extractor("imagenet",
                                                     input_shape=(8, 8, 1))
    assert requested == [(name, "https://storage.googleapis.com/tensorflow/"
                          f"keras-applications/inception_v3/{name}")]
    assert len(loaded.weights) == len(source.weights) == 376
    for mine, theirs in zip(loaded.weights, source.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(mine),
                                      keras.ops.convert_to_numpy(theirs))


def test_inception_extractor_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="no weights file"):
        kag.metrics.inception_feature_extractor(tmp_path / "missing.h5")
    with pytest.raises(TypeError, match="path"):
        kag.metrics.inception_feature_extractor(3)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        kag.metrics.inception_feature_extractor(input_shape=(8, 8, 2))

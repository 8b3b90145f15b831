import os

import keras
import numpy as np
import pytest

import keras_aegan as kag

LATENT_DIM = 4

# Under pytest-xdist (`make test` runs 2 workers on 2 cores), PyTorch's own
# intra-op threads oversubscribe the cores: one thread per worker runs the
# torch suite twice as fast (measured: 62 s -> 28 s on two test files).
if os.environ.get("PYTEST_XDIST_WORKER") and keras.backend.backend() == "torch":
    import torch

    torch.set_num_threads(1)


def pytest_addoption(parser):
    parser.addoption(
        "--backend-dependent-only", action="store_true",
        help="leave out the tests marked backend_independent (`make test` "
        "runs them on one backend only); combines with -m")


# The longest tests (subprocesses, benchmark runs; 15-80 s of CPU each), run
# first: `make test` hands tests out one at a time (--dist loadgroup), so the
# two processes then end together instead of one running a long test alone
# at the end. Any other test keeps its place after these.
LONG_TESTS = [
    ("test_cli", "test_demo_writes_its_outputs"),  # these two share a run
    ("test_cli", "test_backend_flag_switches_the_backend"),
    ("test_reliability",
     "test_divergence_is_caught_restored_and_the_run_covers_the_ring"),
    ("test_reliability",
     "test_sigkill_in_epoch_3_then_resume_equals_an_uninterrupted_run"),
    ("test_benchmarks", "test_digits_benchmark_writes_every_field"),
    ("test_benchmarks", "test_images_benchmark_writes_every_field"),
    ("test_cli", "test_train_then_sample_on_a_npy_file"),
    ("test_distributed",
     "test_two_replicas_match_one_device_with_the_same_global_batch"),
    ("test_generative_metrics",
     "test_inception_extractor_shape_and_weights_file"),
    ("test_benchmarks", "test_mixtures_benchmark_writes_every_field"),
    ("test_benchmarks",
     "test_stability_map_runs_its_cells_in_shards_and_merges"),
    ("test_docs", "test_the_code_on_the_page_runs"),
    ("test_cli", "test_train_on_the_ring_reports_mode_coverage"),
    ("test_reliability", "test_model_saved_under_each_backend_loads_here"),
    ("test_cli", "test_bench_runs_a_benchmark"),
    ("test_benchmarks", "test_step_cost_benchmark_writes_every_field"),
    ("test_cli", "test_train_and_sample_errors"),
]


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_TESTS)}

    def place(item):
        module = item.module.__name__.split(".")[-1] if item.module else ""
        name = getattr(item, "originalname", item.name)
        return rank.get((module, name), len(rank))

    items.sort(key=place)  # stable: the other tests keep their order
    if not config.getoption("--backend-dependent-only"):
        return
    independent = [item for item in items
                   if item.get_closest_marker("backend_independent")]
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = [item for item in items
                    if not item.get_closest_marker("backend_independent")]


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Under `--dist loadgroup` (set on pytest-xdist's workers), the tests
    marked xdist_group must carry their group in their id, or each worker
    pays for a shared module-scoped run (pytest 9.2 breaks this with
    pytest-xdist 3.8; pyproject.toml pins pytest below it)."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in session.items
            if item.get_closest_marker("xdist_group")
            and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"--dist loadgroup did not group {lost[:3]}: this pytest "
            f"({pytest.__version__}) and pytest-xdist do not work together; "
            "install the versions pyproject.toml's test extra asks for "
            "(pip install -e '.[test]').")


@pytest.fixture(autouse=True)
def clear_session():
    keras.utils.clear_session()
    yield


@pytest.fixture
def ring_data():
    x, _ = kag.datasets.ring(512, seed=0)
    return x


def tiny_nets(data_dim=2, latent_dim=LATENT_DIM, seed=0, **kwargs):
    keras.utils.set_random_seed(seed)
    return kag.models.mlp_gan(data_dim, latent_dim, hidden_units=(16, 16),
                              **kwargs)


def tiny_gan(seed=0, nets=None, **kwargs):
    nets = nets or tiny_nets(seed=seed)
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=seed,
                             **kwargs)


def weights_of(network):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in network.weights]


def moved(before, network):
    after = weights_of(network)
    return any(not np.allclose(a, b)
               for a, b in zip(before, after, strict=True))


def optimizer_state(optimizer):
    return [np.array(keras.ops.convert_to_numpy(v))
            for v in optimizer.variables]

"""Never lose a run: resume after SIGKILL, checkpoints, and models that move
between backends. The workers in tests/workers/ run in their own processes
(a killed process, another backend)."""

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import tiny_gan

import keras_aegan as kag

BACKENDS = ("tensorflow", "jax", "torch")
WORKERS = os.path.join(os.path.dirname(__file__), "workers")


def run_worker(script, *args, backend=None, expect_killed=False):
    env = dict(os.environ, KERAS_BACKEND=backend or keras.backend.backend())
    result = subprocess.run(
        [sys.executable, os.path.join(WORKERS, script), *map(str, args)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    if expect_killed:
        assert result.returncode == -9, (result.returncode,
                                         result.stderr[-3000:])
    else:
        assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_sigkill_in_epoch_3_then_resume_equals_an_uninterrupted_run(
        tmp_path):
    """BackupAndRestore brings back every piece of state: the networks, the
    EMA generator, all three optimizers, BEGAN's k_t, the latent seed
    generator and the epoch. Same seed, CPU: bit-identical weights."""
    backup = tmp_path / "backup"
    run_worker("resume_run.py", "straight", backup, tmp_path / "straight.npz")
    run_worker("resume_run.py", "crash", backup, tmp_path / "crash.npz",
               expect_killed=True)
    assert not (tmp_path / "crash.npz").exists()
    assert (backup / "training_metadata.json").exists()
    run_worker("resume_run.py", "resume", backup, tmp_path / "resume.npz")

    straight = np.load(tmp_path / "straight.npz")
    resumed = np.load(tmp_path / "resume.npz")
    # The restarted process ran only the epochs the crash lost.
    assert list(resumed["epochs_run"]) == [2, 3]
    assert list(straight["epochs_run"]) == [0, 1, 2, 3]
    keys = [k for k in straight.files if k != "epochs_run"]
    assert keys == [k for k in resumed.files if k != "epochs_run"]
    assert any("began_balance" in k for k in keys)
    # k_t moved from its starting 0.5 (it is really being restored).
    balance = [k for k in keys if "began_balance" in k][0]
    assert float(straight[balance]) != 0.5
    for key in keys:
        np.testing.assert_array_equal(resumed[key], straight[key],
                                      err_msg=key)


def test_model_checkpoint_writes_loadable_keras_files(ring_data, tmp_path):
    gan = tiny_gan()
    gan.compile()
    pattern = str(tmp_path / "gan_{epoch}.keras")
    gan.fit(ring_data, batch_size=128, epochs=2, verbose=0,
            callbacks=[keras.callbacks.ModelCheckpoint(pattern)])
    assert sorted(os.listdir(tmp_path)) == ["gan_1.keras", "gan_2.keras"]
    loaded = keras.saving.load_model(str(tmp_path / "gan_2.keras"))
    np.testing.assert_allclose(loaded.generate(16, seed=0),
                               gan.generate(16, seed=0), atol=1e-6)
    assert int(loaded.generator_optimizer.iterations) == 8
    history = loaded.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


def _load_worker_module():
    spec = importlib.util.spec_from_file_location(
        "save_model", os.path.join(WORKERS, "save_model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("source", BACKENDS)
def test_model_saved_under_each_backend_loads_here(source, ring_data,
                                                   tmp_path):
    """One row of the 3x3 portability matrix per test run: a model saved
    under `source` loads under this backend and generates the same samples
    (also from the EMA weights) for the same latents, with its optimizer
    state and seed, and trains on."""
    here = keras.backend.backend()
    if source == here:
        _load_worker_module().main(str(tmp_path))
        keras.utils.clear_session()
    else:
        pytest.importorskip(source)
        run_worker("save_model.py", tmp_path, backend=source)
    reference = np.load(tmp_path / f"{source}.npz")
    gan = keras.saving.load_model(str(tmp_path / f"{source}.keras"))
    assert isinstance(gan, kag.StabilizedGAN)
    np.testing.assert_allclose(gan.generate(64, seed=3),
                               reference["samples"], atol=1e-5)
    np.testing.assert_allclose(gan.generate(64, seed=3, use_ema=True),
                               reference["ema_samples"], atol=1e-5)
    assert [int(o.iterations) for o in (
        gan.generator_optimizer, gan.discriminator_optimizer,
        gan.autoencoder_optimizer)] == list(reference["iterations"])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(gan.seed_generator.state),
        reference["seed_state"])
    history = gan.fit(ring_data, batch_size=128, epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())

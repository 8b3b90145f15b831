"""The command line, end to end in a subprocess."""

import json
import os
import subprocess
import sys

import keras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, timeout=600):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    return subprocess.run([sys.executable, "-m", "keras_aegan", *args],
                          env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout and "bench" in result.stdout


def test_demo_writes_its_outputs(tmp_path):
    result = run_cli("demo", "--epochs", "2", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("samples.png", "losses.png", "metrics.json", "model.keras"):
        assert (tmp_path / name).stat().st_size > 0, name
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["backend"] == keras.backend.backend()
    assert metrics["epochs"] == 2
    assert 0 <= metrics["classes_covered"] <= 10
    assert set(metrics["final_logs"]) == {"d_loss", "g_loss", "ae_loss",
                                          "consistency_loss"}


def test_backend_flag_switches_the_backend(tmp_path):
    others = [b for b in ("tensorflow", "jax", "torch")
              if b != keras.backend.backend()]
    result = run_cli("--backend", others[0], "demo", "--epochs", "1",
                     "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["backend"] == others[0]


def test_bench_runs_a_benchmark(tmp_path):
    result = run_cli("bench", "mixtures", "--seeds", "1", "--steps", "20",
                     "--eval-every", "20", "--datasets", "ring",
                     "--methods", "plain", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PacGAN4" in result.stdout
    assert (tmp_path / "mixtures.json").exists()

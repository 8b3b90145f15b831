"""The command line, end to end in a subprocess."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_aegan as kag

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = keras.backend.backend()


def run_cli(*args, timeout=600, backend=BACKEND):
    env = dict(os.environ, KERAS_BACKEND=backend)
    return subprocess.run([sys.executable, "-m", "keras_aegan", *args],
                          env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One `demo --epochs 2` run (a subprocess: the slowest of this file)
    for the two tests below. KERAS_BACKEND names another backend and
    `--backend` this one, so the run also shows that the flag switches
    the backend: the demo trains under this test run's backend."""
    other = "jax" if BACKEND != "jax" else "torch"
    output = tmp_path_factory.mktemp("demo")
    result = run_cli("--backend", BACKEND, "demo", "--epochs", "2",
                     "--output", str(output), backend=other)
    return result, output


@pytest.mark.backend_independent
def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout and "bench" in result.stdout


@pytest.mark.xdist_group("cli_demo")
def test_demo_writes_its_outputs(demo_run):
    result, output = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("samples.png", "losses.png", "metrics.png", "metrics.json",
                 "model.keras"):
        assert (output / name).stat().st_size > 0, name
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["backend"] == BACKEND
    assert metrics["epochs"] == 2
    assert 0 <= metrics["classes_covered"] <= 10
    assert set(metrics["final_logs"]) == {"d_loss", "g_loss", "ae_loss",
                                          "consistency_loss", "gp_loss"}


@pytest.mark.xdist_group("cli_demo")
def test_backend_flag_switches_the_backend(demo_run):
    result, output = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((output / "metrics.json").read_text())
    # Started with KERAS_BACKEND set to another backend.
    assert metrics["backend"] == BACKEND


@pytest.mark.backend_independent
def test_bench_runs_a_benchmark(tmp_path):
    result = run_cli("bench", "mixtures", "--seeds", "1", "--steps", "20",
                     "--eval-every", "20", "--datasets", "ring",
                     "--methods", "plain", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PacGAN4" in result.stdout
    assert (tmp_path / "mixtures.json").exists()


def test_train_then_sample_on_a_npy_file(tmp_path):
    # A newcomer's own images: 8-bit grayscale (n, h, w) in a .npy file.

    rng = np.random.default_rng(0)
    images = (rng.uniform(size=(96, 8, 8)) * 255).astype("uint8")
    np.save(tmp_path / "mine.npy", images)
    out = tmp_path / "run"
    result = run_cli("train", "--data", str(tmp_path / "mine.npy"),
                     "--epochs", "2", "--batch-size", "32", "--ema", "0.9",
                     "--output", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("samples.png", "losses.png", "metrics.png", "history.csv",
                 "metrics.json", "model.keras"):
        assert (out / name).stat().st_size > 0, name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data_shape"] == [8, 8, 1] and metrics["epochs"] == 2
    assert metrics["backend"] == keras.backend.backend()
    assert (out / "history.csv").read_text().count("\n") == 3
    assert "pixel_frechet_distance" in (out / "history.csv").read_text()
    assert metrics["last_epoch_metrics"]["pixel_frechet_distance"] >= 0

    result = run_cli("sample", str(out / "model.keras"), "--num", "5",
                     "--ema", "--output", str(tmp_path / "s.npy"))
    assert result.returncode == 0, result.stderr[-3000:]
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (5, 8, 8, 1)
    assert np.abs(samples).max() <= 1.0  # tanh output for [-1, 1] data
    # The average, not the last weights (--last-weights).
    model = keras.saving.load_model(out / "model.keras")
    assert model.ema_decay == 0.9
    np.testing.assert_allclose(samples, model.generate(5, seed=0),
                               atol=1e-5)
    result = run_cli("sample", str(out / "model.keras"), "--num", "5",
                     "--last-weights", "--output", str(tmp_path / "l.npy"))
    assert result.returncode == 0, result.stderr[-3000:]
    np.testing.assert_allclose(np.load(tmp_path / "l.npy"),
                               model.generate(5, seed=0, use_ema=False),
                               atol=1e-5)
    assert not np.allclose(np.load(tmp_path / "l.npy"), samples)
    result = run_cli("sample", str(out / "model.keras"), "--output",
                     str(tmp_path / "grid.png"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "grid.png").stat().st_size > 0


@pytest.mark.backend_independent
def test_train_on_the_ring_reports_mode_coverage(tmp_path):
    result = run_cli("train", "--data", "ring", "--epochs", "1",
                     "--batch-size", "512", "--consistency", "manifold,data",
                     "--adversarial-loss", "hinge", "--output",
                     str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert {"modes", "high_quality", "reverse_kl"} <= set(metrics)
    assert "mode_coverage_modes" in metrics["last_epoch_metrics"]
    assert (tmp_path / "metrics.png").stat().st_size > 0
    assert metrics["adversarial_loss"] == "hinge"
    assert set(metrics["final_logs"]) == {"d_loss", "g_loss", "ae_loss",
                                          "consistency_loss", "gp_loss"}


# Argument and file checks, before any model is built: in this process
# (what a subprocess adds, the exit status and stderr, is the same
# SystemExit the interpreter prints).
@pytest.mark.backend_independent
def test_train_and_sample_errors(tmp_path):
    from keras_aegan.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data", "cifar", "--output", str(tmp_path)])
    assert "expected 'digits', 'ring', 'grid'" in str(exit_info.value)
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data", "ring", "--consistency", "pixels",
              "--output", str(tmp_path)])
    assert "choose from" in str(exit_info.value)
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", str(tmp_path / "missing.keras")])
    assert "no such file" in str(exit_info.value)
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data", "ring", "--ema", "1.5",
              "--output", str(tmp_path / "out")])
    assert "must be in [0, 1)" in str(exit_info.value)
    assert not (tmp_path / "out").exists()


def test_train_on_a_tfds_dataset(tmp_path):
    # In process: tfds.testing.mock_data patches tensorflow-datasets here.
    tfds = pytest.importorskip("tensorflow_datasets")
    from keras_aegan.cli import build_parser
    from keras_aegan.src.train import run_train

    args = build_parser().parse_args([
        "train", "--data", "tfds:mnist", "--image-size", "8", "--epochs",
        "1", "--verbose", "0", "--output", str(tmp_path)])
    with tfds.testing.mock_data(num_examples=128):
        metrics = run_train(args)
    assert metrics["data_shape"] == [8, 8, 1]
    assert set(metrics["final_logs"]) >= {"d_loss", "g_loss"}
    for name in ("samples.png", "losses.png", "metrics.json", "model.keras"):
        assert (tmp_path / name).stat().st_size > 0, name


def test_conditional_train_then_sample_in_process(tmp_path, capsys):
    """`train --data x.npy --labels y.npy` trains a conditional GAN and
    `sample --labels` draws the asked class (in process: the subprocess
    path is the npy test above)."""

    import keras_aegan as kag
    from keras_aegan.cli import main

    x, y = kag.datasets.digits()
    x, y = x[:256], y[:256]
    np.save(tmp_path / "x.npy", ((x[..., 0] + 1) * 127.5).astype("uint8"))
    np.save(tmp_path / "y.npy", y)
    out = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "x.npy"), "--labels",
                 str(tmp_path / "y.npy"), "--epochs", "2", "--verbose", "0",
                 "--output", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["num_classes"] == 10
    assert set(metrics["final_logs"]) >= {"d_loss", "g_loss"}
    model = keras.saving.load_model(out / "model.keras")
    assert model.num_classes == 10
    assert main(["sample", str(out / "model.keras"), "--labels", "3",
                 "--num", "6", "--output", str(tmp_path / "three.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "three.npy"),
                               model.generate(6, labels=3, seed=0),
                               atol=1e-5)
    assert main(["sample", str(out / "model.keras"), "--output",
                 str(tmp_path / "rows.png")]) == 0
    assert "Wrote 60 samples" in capsys.readouterr().out
    with pytest.raises(SystemExit, match=r"class in \[0, 10\)"):
        main(["sample", str(out / "model.keras"), "--labels", "10",
              "--output", str(tmp_path / "bad.png")])


@pytest.mark.backend_independent
def test_conditional_argument_errors(tmp_path):

    from keras_aegan.cli import main

    np.save(tmp_path / "x.npy", np.zeros((8, 2), "float32"))
    np.save(tmp_path / "y.npy", np.arange(7))
    np.save(tmp_path / "f.npy", np.zeros(8, "float32"))
    cases = [
        (["--data", "digits", "--labels", str(tmp_path / "y.npy")],
         "labels from a file go with --data file.npy"),
        (["--data", str(tmp_path / "x.npy"), "--conditional"],
         "needs the labels"),
        (["--data", str(tmp_path / "x.npy"), "--labels",
          str(tmp_path / "y.npy")], "expected 8 integer class labels"),
        (["--data", str(tmp_path / "x.npy"), "--labels",
          str(tmp_path / "f.npy")], "got float32 values"),
    ]
    for args, match in cases:
        with pytest.raises(SystemExit, match=match):
            main(["train", *args, "--output", str(tmp_path / "run")])
    with pytest.raises(SystemExit, match="not conditional"):
        from keras_aegan.src.train import sample_labels
        sample_labels("3", None, 5, True)


def test_train_a_conditional_gan_on_a_tfds_dataset(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    from keras_aegan.cli import build_parser
    from keras_aegan.src.train import run_train

    args = build_parser().parse_args([
        "train", "--data", "tfds:mnist", "--conditional", "--image-size",
        "8", "--epochs", "1", "--verbose", "0", "--output", str(tmp_path)])
    with tfds.testing.mock_data(num_examples=128):
        metrics = run_train(args)
    assert metrics["num_classes"] == 10
    model = keras.saving.load_model(tmp_path / "model.keras")
    assert model.num_classes == 10
    assert model.generate(3, labels=4).shape == (3, 8, 8, 1)


def _image_folder(root, count=128, sizes=None):
    """`count` 8x8 digits as PNG files, one sub-folder per class."""
    from PIL import Image

    x, y = kag.datasets.digits()
    for i in range(count):
        folder = root / str(y[i])
        folder.mkdir(parents=True, exist_ok=True)
        image = ((x[i, ..., 0] + 1) * 127.5).astype(np.uint8)
        Image.fromarray(image, "L").save(folder / f"{i}.png")
    return root


def test_train_on_an_image_folder_with_every_option_and_resume(
        tmp_path, monkeypatch):
    """A folder of PNG files (class sub-folders as labels), the loss,
    penalty, steps and learning-rate options, checkpoints, and --resume:
    interrupted after epoch 2, the same command goes on to epoch 4."""
    from keras_aegan.cli import main
    from keras_aegan.src import train

    folder = _image_folder(tmp_path / "images")
    out = tmp_path / "run"
    command = ["train", "--data", str(folder), "--conditional", "--epochs",
               "4", "--batch-size", "32", "--adversarial-loss", "hinge",
               "--gradient-penalty", "r1=1", "--discriminator-steps", "2",
               "--generator-lr", "1e-3", "--learning-rate", "3e-4",
               "--checkpoint-every", "2", "--resume", "--verbose", "0",
               "--output", str(out)]
    save = train._CheckpointEvery.on_epoch_end

    def interrupt_after_epoch_2(self, epoch, logs=None):
        save(self, epoch, logs)
        if epoch == 1:
            raise KeyboardInterrupt
    monkeypatch.setattr(train._CheckpointEvery, "on_epoch_end",
                        interrupt_after_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        main(command)
    assert (out / "checkpoints" / "epoch_0002.keras").exists()
    assert not (out / "model.keras").exists()
    monkeypatch.setattr(train._CheckpointEvery, "on_epoch_end", save)
    assert main(command) == 0
    rows = (out / "history.csv").read_text().strip().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["0", "1", "2", "3"]
    model = keras.saving.load_model(out / "model.keras")
    assert model.num_classes == 10 and model.discriminator_steps == 2
    assert isinstance(model.gradient_penalty, kag.regularizers.R1Penalty)
    # 128 images in batches of 32: 4 steps an epoch, 4 epochs in all.
    assert int(model.generator_optimizer.iterations) == 16
    assert int(model.discriminator_optimizer.iterations) == 32
    np.testing.assert_allclose(
        float(model.generator_optimizer.learning_rate), 1e-3)
    np.testing.assert_allclose(
        float(model.discriminator_optimizer.learning_rate), 3e-4)
    assert (out / "checkpoints" / "epoch_0004.keras").exists()
    assert not (out / "backup").exists()  # removed once the run ends


@pytest.mark.backend_independent
def test_image_folder_errors_exit_2_and_write_nothing(tmp_path):
    from PIL import Image

    from keras_aegan.cli import main

    (tmp_path / "mixed").mkdir()
    Image.fromarray(np.zeros((8, 8), "uint8")).save(tmp_path / "mixed/a.png")
    Image.fromarray(np.zeros((9, 9), "uint8")).save(tmp_path / "mixed/b.png")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "c.png").write_bytes(b"not a png")
    (tmp_path / "empty").mkdir()
    cases = {"missing": "no such file or folder",
             "mixed": r"differ in size \(a.png is 8x8, b.png is 9x9\)",
             "broken": "c.png is not a readable image",
             "empty": "holds no images"}
    for name, match in cases.items():
        out = tmp_path / f"out_{name}"
        with pytest.raises(SystemExit, match=match) as exit_info:
            main(["train", "--data", str(tmp_path / name), "--output",
                  str(out)])
        assert exit_info.value.code == 2 and not out.exists()
    with pytest.raises(SystemExit,
                       match="choose from recommended, none, r1") as exit_info:
        main(["train", "--data", "ring", "--gradient-penalty", "r3",
              "--output", str(tmp_path / "x")])
    assert exit_info.value.code == 2


@pytest.mark.backend_independent
def test_train_with_an_autoencoder_discriminator_loss(tmp_path):
    from keras_aegan.cli import main

    assert main(["train", "--data", "ring", "--epochs", "1", "--batch-size",
                 "512", "--adversarial-loss", "began", "--consistency",
                 "none", "--verbose", "0", "--output", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert {"convergence", "balance"} <= set(metrics["final_logs"]) | set(
        metrics["last_epoch_metrics"])


@pytest.mark.backend_independent
def test_help_lists_every_option_with_its_default():
    from keras_aegan.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in ("demo", "train", "sample"):
        text = commands[name].format_help()
        for action in commands[name]._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings[0]}"
        assert text.count("(default:") >= len(commands[name]._actions) - 2
    assert "(default: non_saturating)" in commands["train"].format_help()

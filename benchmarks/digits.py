"""B2 + B4: digits, an offline image benchmark (plain GAN vs recommended).

Data: scikit-learn's bundled 8x8 digits scaled to [-1, 1], and stacked
digits (`kag.datasets.stacked`: three independent digits as three channels,
1000 equally likely modes, like Stacked MNIST).

Judge: a scikit-learn MLP classifier trained on 75% of the digits (its
held-out accuracy is printed and must be >= 97%). 10,000 generated samples
are scored: classes covered (>= 1% of samples), KL(class histogram ||
uniform), the judge's mean confidence, and the Fréchet distance between the
judge's hidden features of generated and real samples, next to the floor:
the same distance between two random halves of the real data. Stacked
digits: each channel is classified; modes covered (>= 1 sample) and KL over
the 1000 modes.

Networks: `kag.models.mlp_gan` (2 x 256 ReLU, tanh output, latent 32), batch
64, the compile() default optimizers. Methods (benchmarks/methods.py): by
default `plain` (`consistency_loss=None`) and `recommended` (the
consistency terms without a penalty); `recommended_ns_r1` is `compile()`'s
defaults; any other, e.g. `began`, with `--methods`. Each run keeps its
per-epoch losses; BEGAN's convergence measure is plotted over training.

Run:  python benchmarks/digits.py --backend jax [--quick] [--seeds 10]
          [--first-seed 0] [--steps 6000] [--variants digits,stacked]
      python benchmarks/digits.py --merge A/digits.json B/digits.json ...
          --output DIR   (pools separate processes' runs by seed)
Writes OUTPUT/digits.json, OUTPUT/digits_samples_VARIANT.png and, for
methods that log it, OUTPUT/digits_convergence_VARIANT.png.
"""

import argparse
import functools
import json
import math
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))

from benchmarks.common import check_protocol  # noqa: E402
from benchmarks.common import decode_8bit  # noqa: E402
from benchmarks.common import encode_8bit  # noqa: E402
from benchmarks.common import merge_requested  # noqa: E402
from benchmarks.common import panels  # noqa: E402
from benchmarks.common import pool  # noqa: E402
from benchmarks.common import summarize  # noqa: E402
from benchmarks.methods import METHODS  # noqa: E402
from benchmarks.methods import augmented  # noqa: E402
from benchmarks.methods import build as build_method  # noqa: E402
from benchmarks.methods import check as check_methods  # noqa: E402

DEFAULT_METHODS = ("plain", "recommended")
LATENT_DIM = 32
BATCH_SIZE = 64
NUM_SCORED = 10_000
STACKED_TRAIN = 50_000
# The real-vs-real Fréchet floor of the same judge and data differs in the
# sixth digit between XLA thread settings (e.g. 0.798176 vs 0.798173):
# floors this close are the same floor, and --merge keeps the first.
FLOOR_TOLERANCE = 1e-4

FIELDS = {
    "digits": ("classes_covered", "class_kl", "confidence",
               "frechet_distance"),
    "stacked": ("modes_covered", "mode_kl", "confidence",
                "frechet_distance"),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="run seeds first-seed .. first-seed+seeds-1 "
                             "(to split a full run over processes; "
                             "combine with --merge)")
    parser.add_argument("--steps", type=int, default=6_000,
                        help="generator steps per run")
    parser.add_argument("--variants", default="digits,stacked")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help="comma-separated subset of: " + ",".join(
                            METHODS))
    parser.add_argument("--quick", action="store_true",
                        help="2 seeds, 150 steps: a smoke test in minutes")
    parser.add_argument("--output", default="runs/bench")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.steps = 2, 150
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    return args


class Judge:
    """A scikit-learn MLP classifier of single 8x8 digits, with features."""

    def __init__(self, x, y, seed=0):
        from sklearn.model_selection import train_test_split
        from sklearn.neural_network import MLPClassifier

        flat = x.reshape(len(x), -1)
        x_train, x_test, y_train, y_test = train_test_split(
            flat, y, test_size=0.25, random_state=seed, stratify=y)
        self.model = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3,
                                   max_iter=1000, random_state=seed)
        self.model.fit(x_train, y_train)
        self.accuracy = float(self.model.score(x_test, y_test))

    def features(self, images):
        """Hidden-layer (ReLU) activations of the judge, one image per row."""
        import numpy as np

        flat = images.reshape(len(images), -1)
        hidden = flat @ self.model.coefs_[0] + self.model.intercepts_[0]
        return np.maximum(hidden, 0)

    def predict(self, images):
        """Labels and confidences (max class probability)."""
        probabilities = self.model.predict_proba(
            images.reshape(len(images), -1))
        return probabilities.argmax(1), probabilities.max(1)


def frechet_distance(a, b):
    """Fréchet distance between Gaussians fitted to feature sets a and b.

    A 1e-6 ridge keeps the covariances invertible: some ReLU features are
    dead on every sample (the fix pytorch-fid applies when sqrtm fails).
    """
    import numpy as np
    from scipy import linalg

    mu_a, mu_b = a.mean(0), b.mean(0)
    ridge = 1e-6 * np.eye(a.shape[1])
    cov_a = np.cov(a, rowvar=False) + ridge
    cov_b = np.cov(b, rowvar=False) + ridge
    covmean = linalg.sqrtm(cov_a @ cov_b)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum()
                 + np.trace(cov_a + cov_b - 2 * covmean))


def kl_to_uniform(labels, num_classes):
    import numpy as np

    p = np.bincount(labels, minlength=num_classes) / len(labels)
    nonzero = p > 0
    return float(np.sum(p[nonzero] * np.log(num_classes * p[nonzero])))


def channels_of(images):
    """(N, 8, 8, C) -> list of C arrays (N, 8, 8)."""
    return [images[..., c] for c in range(images.shape[-1])]


def features(variant, judge, images):
    """The judge's features; per channel, concatenated, for stacked."""
    import numpy as np

    if variant == "digits":
        return judge.features(images)
    return np.concatenate(
        [judge.features(c) for c in channels_of(images)], axis=1)


def score(variant, judge, generated, real):
    import numpy as np

    if variant == "digits":
        labels, confidence = judge.predict(generated)
        histogram = np.bincount(labels, minlength=10) / len(labels)
        return {
            "classes_covered": int((histogram >= 0.01).sum()),
            "class_kl": kl_to_uniform(labels, 10),
            "confidence": float(confidence.mean()),
            "frechet_distance": frechet_distance(
                features(variant, judge, generated),
                features(variant, judge, real)),
        }
    mode_ids = np.zeros(len(generated), dtype=np.int64)
    confidences = []
    for channel in channels_of(generated):
        labels, confidence = judge.predict(channel)
        mode_ids = mode_ids * 10 + labels
        confidences.append(confidence)
    return {
        "modes_covered": int(len(np.unique(mode_ids))),
        "mode_kl": kl_to_uniform(mode_ids, 1000),
        "confidence": float(np.mean(confidences)),
        "frechet_distance": frechet_distance(
            features(variant, judge, generated),
            features(variant, judge, real)),
    }


def floor(variant, judge, real, seed=0):
    """The Fréchet distance between two random halves of the real data."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(real))
    half = len(real) // 2
    a, b = real[order[:half]], real[order[half:]]
    return frechet_distance(features(variant, judge, a),
                            features(variant, judge, b))


def training_data(variant, seed=0):
    import keras_aegan as kag

    x, y = kag.datasets.digits()
    if variant == "digits":
        return x
    return kag.datasets.stacked(x, y, STACKED_TRAIN, seed=seed)[0]


def run_one(variant, method, seed, steps, judge, real, **compile_kwargs):
    """Trains one GAN of `method` on `variant`; returns its scores and
    10,000 samples. `compile_kwargs` go to `compile` on top of the
    method's (e.g. the optimizers of a stability-map cell)."""
    import keras
    import numpy as np

    import keras_aegan as kag

    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    x = training_data(variant, seed)
    network_kwargs, method_kwargs = build_method(method)
    compile_kwargs = {**method_kwargs, **compile_kwargs}
    if network_kwargs.get("num_packed", 1) > 1:
        # A PackSamples discriminator needs whole batches (64 is a multiple
        # of the packing): the 1,797 digits lose their last 5.
        x = x[:len(x) // BATCH_SIZE * BATCH_SIZE]
    ada = network_kwargs.pop("adaptive_augmentation", None)
    nets = augmented(kag.models.mlp_gan(
        x.shape[1:], LATENT_DIM, hidden_units=(256, 256), activation="relu",
        output_activation="tanh", **network_kwargs), ada)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
                            autoencoder=nets.autoencoder, encoder=nets.encoder,
                            seed=seed)
    gan.compile(**compile_kwargs)
    steps_per_epoch = min(int(np.ceil(len(x) / BATCH_SIZE)), steps)
    epochs = max(1, round(steps / steps_per_epoch))
    start = time.time()
    history = gan.fit(x, batch_size=BATCH_SIZE, epochs=epochs,
                      steps_per_epoch=steps_per_epoch, verbose=0)
    seconds = time.time() - start
    # The generator's average when the method keeps one (its "ema").
    generated = gan.generate(NUM_SCORED, seed=seed)
    result = score(variant, judge, generated, real)
    result["finite_losses"] = bool(all(
        np.isfinite(v).all() for v in history.history.values()))
    result["steps"] = epochs * steps_per_epoch
    result["seconds"] = seconds
    # Four significant digits keep the stored JSON small.
    result["history"] = {k: [float(f"{v:.4g}") for v in values]
                         for k, values in history.history.items()}
    return result, generated


def format_table(variant, entries, floor_value, seeds, fields=None):
    fields = (FIELDS if fields is None else fields)[variant]
    lines = [f"\n{variant}: {seeds} seeds (mean ± s.e.); Fréchet floor "
             f"(real vs real halves) {floor_value:.3f}",
             f"{'method':14s}" + "".join(f"{f:>22s}" for f in fields)]
    for method, entry in entries.items():
        s = entry["summary"]
        lines.append(f"{method:14s}" + "".join(
            f"{s[f]['mean']:>14.3f}±{s[f]['sem']:<7.3f}" for f in fields))
    return "\n".join(lines)


def plot(entries, variant, output, name="digits"):
    """One 8x8 grid of samples (of each method's first seed) per method,
    five methods to a row: OUTPUT/NAME_samples_VARIANT.png."""
    import matplotlib.pyplot as plt
    import numpy as np

    entries = {m: e for m, e in entries.items() if "samples" in e}
    if not entries:
        return
    fig, axes = panels(len(entries), 4, 4.3)
    for ax, (method, entry) in zip(axes, entries.items(), strict=True):
        images = decode_8bit(entry["samples"])[:64] / 255.0
        # A one-pixel grey border around each digit keeps them apart.
        images = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)),
                        constant_values=0.5)
        side, channels = images.shape[1], images.shape[-1]
        # (8 rows, 8 cols, h, w, c) -> (8 h, 8 w, c)
        grid = images.reshape(8, 8, side, side, channels).transpose(
            0, 2, 1, 3, 4).reshape(8 * side, 8 * side, channels)
        if channels == 1:
            ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=1)
        else:
            ax.imshow(grid)
        ax.set_title(f"{method} (seed {entry['samples_seed']})")
        ax.axis("off")
    fig.savefig(os.path.join(output, f"{name}_samples_{variant}.png"),
                dpi=100, bbox_inches="tight")
    plt.close(fig)


def plot_convergence(entries, variant, output, name="digits"):
    """BEGAN's M_global per epoch (mean over seeds) for the methods that log
    it; returns whether there was anything to plot."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {}
    for method, entry in entries.items():
        runs = [run["history"]["convergence"] for run in entry["runs"]
                if "convergence" in run["history"]]
        if runs:
            length = min(len(r) for r in runs)
            curves[method] = np.mean([r[:length] for r in runs], axis=0)
    if not curves:
        return False
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for method, curve in curves.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=method)
    ax.set_xlabel("epoch")
    ax.set_ylabel("convergence M_global (mean over seeds)")
    ax.set_title(f"{variant}: BEGAN convergence measure")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.savefig(os.path.join(output, f"{name}_convergence_{variant}.png"),
                dpi=100, bbox_inches="tight")
    plt.close(fig)
    return True


def check_results(results, fields=None, name="digits"):
    """Raises if the results miss a figure the JSON must have."""
    fields = FIELDS if fields is None else fields
    if not 0 <= results.get("judge_accuracy", -1) <= 1:
        raise RuntimeError(f"{name}: no judge accuracy")
    for variant in fields:
        if variant not in results:
            continue
        if "frechet_floor" not in results[variant]:
            raise RuntimeError(f"{name} {variant}: no Fréchet floor")
        for method, entry in results[variant]["methods"].items():
            for run in entry["runs"]:
                missing = {*fields[variant], "seed", "finite_losses",
                           "steps", "seconds", "history"} - set(run)
                if missing:
                    raise RuntimeError(
                        f"{name} {variant}/{method}: a run lacks {missing}")
            if set(entry["summary"]) != set(fields[variant]):
                raise RuntimeError(f"{name} {variant}/{method}: summary")


def merge(paths, output, fields=None, name="digits"):
    """Combines NAME.json files of separate runs (one process per method
    or range of seeds) into one, and prints and plots the whole. Runs of the
    same variant and method are pooled by seed."""
    fields = FIELDS if fields is None else fields
    merged = {}
    for path in paths:
        with open(path) as f:
            part = json.load(f)
        check_protocol(merged, part, path)
        if merged.setdefault("judge_accuracy", part["judge_accuracy"]) != (
                part["judge_accuracy"]):
            raise SystemExit(f"{path} was scored by another judge.")
        for variant in fields:
            if variant not in part:
                continue
            target = merged.setdefault(variant, {
                "frechet_floor": part[variant]["frechet_floor"],
                "methods": {}})
            if not math.isclose(target["frechet_floor"],
                                part[variant]["frechet_floor"],
                                rel_tol=FLOOR_TOLERANCE):
                raise SystemExit(
                    f"{path}: another {variant} Fréchet floor "
                    f"({part[variant]['frechet_floor']:.6f}, the others "
                    f"{target['frechet_floor']:.6f}): it was scored on "
                    "other data or by another judge; rerun it with this "
                    "checkout.")
            for method, entry in part[variant]["methods"].items():
                pooled = target["methods"].get(method)
                if pooled is None:
                    target["methods"][method] = dict(entry)
                else:
                    pool(pooled, entry, f"{path}: {variant}/{method}")
    for variant in fields:
        if variant not in merged:
            continue
        entries = merged[variant]["methods"]
        for entry in entries.values():
            entry["summary"] = summarize(entry["runs"], fields[variant])
        seeds = "/".join(map(str, sorted({len(e["runs"])
                                          for e in entries.values()})))
        print(format_table(variant, entries,
                           merged[variant]["frechet_floor"], seeds, fields))
        os.makedirs(output, exist_ok=True)
        plot(entries, variant, output, name)
        plot_convergence(entries, variant, output, name)
    merged["protocol"]["seeds"] = max(
        len(entry["runs"]) for variant in fields if variant in merged
        for entry in merged[variant]["methods"].values())
    check_results(merged, fields, name)
    with open(os.path.join(output, f"{name}.json"), "w") as f:
        # Compact: the pooled file of every method stays under 2 MiB.
        json.dump(merged, f, separators=(",", ":"))
    return merged


def run_variant(variant, methods, args, results, real, judge, run,
                fields=None, name="digits"):
    """Runs every method over the seeds of `args` on `variant` with
    `run(variant, method, seed, steps)` -> `(scores, samples)`, into
    `results[variant]`; prints its table and plots its samples. After each
    run, OUTPUT/NAME.partial.json holds every finished run (mergeable with
    --merge like a whole file)."""
    fields = FIELDS if fields is None else fields
    floor_value = floor(variant, judge, real)
    entries, samples = {}, {}
    for method in methods:
        runs = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            result, generated = run(variant, method, seed, args.steps)
            runs.append({"seed": seed, **result})
            if seed == args.first_seed:
                samples[method] = generated
            print(f"{variant} {method} seed {seed}: " + ", ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                for k, v in result.items() if k != "history"), flush=True)
            entries[method] = {
                "runs": runs, "summary": summarize(runs, fields[variant]),
                "samples_seed": args.first_seed,
                "samples": encode_8bit(samples[method][:64])}
            results[variant] = {"frechet_floor": floor_value,
                                "methods": entries}
            with open(os.path.join(args.output, f"{name}.partial.json"),
                      "w") as f:
                json.dump(results, f)
    print(format_table(variant, entries, floor_value, args.seeds, fields))
    plot(entries, variant, args.output, name)
    plot_convergence(entries, variant, args.output, name)


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    merged = merge_requested(argv, merge)
    if merged is not None:
        return merged
    args = parse_args(argv)
    import keras

    import keras_aegan as kag

    methods = args.methods.split(",")
    check_methods(methods)
    os.makedirs(args.output, exist_ok=True)
    x, y = kag.datasets.digits()
    judge = Judge(x, y)
    print(f"judge: held-out accuracy {judge.accuracy:.4f} (needs >= 0.97)")
    if judge.accuracy < 0.97:
        raise SystemExit("The judge is not accurate enough to score samples.")
    results = {"protocol": {"backend": keras.backend.backend(),
                            "seeds": args.seeds, "steps": args.steps,
                            "batch_size": BATCH_SIZE,
                            "scored_samples": NUM_SCORED},
               "judge_accuracy": judge.accuracy}
    for variant in args.variants.split(","):
        if variant not in FIELDS:
            raise SystemExit(f"Unknown variant {variant!r}; choose from "
                             f"{list(FIELDS)}.")
        real = x if variant == "digits" else kag.datasets.stacked(
            x, y, NUM_SCORED, seed=12345)[0]
        run_variant(variant, methods, args, results, real, judge,
                    functools.partial(run_one, judge=judge, real=real))
    check_results(results)
    with open(os.path.join(args.output, "digits.json"), "w") as f:
        json.dump(results, f)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

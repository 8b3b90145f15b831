"""B6: class-conditional GANs: does the generator draw the class it is asked?

Datasets:
- `ring`: the ring of 8 Gaussians (std 0.01), each sample labelled with its
  Gaussian's index. The B1 networks and optimizers (MLPs of 2 x 128 tanh
  units, z ~ N(0, I_256), batch 512, Adam: generator 1e-3, discriminator
  1e-4, beta_1 0.5), data sampled on the fly, 5,000 generator steps.
  Scored on 2,500 samples drawn for the labels 0..7 in turn: conditional
  accuracy (the fraction of samples drawn for label c within 3 sigma of
  mean c), and on the same samples pooled, `kag.metrics.ModeCoverage`'s
  modes, HQ and reverse KL. A run fails with an accuracy under 90%, fewer
  than 7 modes or HQ under 50%.
- `digits`: scikit-learn's 8x8 digits with their labels, scaled to [-1, 1].
  The B2 networks (MLPs of 2 x 256 ReLU units, tanh output, latent 32),
  batch 64, the compile() default optimizers, 3,000 generator steps.
  Scored with the B2 judge (an MLP classifier, held-out accuracy about
  98%) on 1,000 samples drawn for each class: conditional accuracy (the
  judge's prediction is the asked class), the per-class Fréchet distance
  on the judge's features (mean over classes, beside its floor: the
  distance between two random halves of each class's real digits), and,
  on the 10,000 samples pooled, the class KL to uniform and the Fréchet
  distance to all real digits (floor: two random halves of the real
  digits).

Methods: `plain` (a projection discriminator, Miyato & Koyama 2018,
non-saturating loss, no consistency terms), `acgan` (an auxiliary
classifier, Odena et al. 2017, weight 1), `recommended` (the projection
discriminator and the default consistency terms, no penalty),
`recommended_ns_r1` (the same with `R1Penalty(3.0)`: `compile()`'s
defaults), and `keras_io`, the external anchor: the keras-io
conditional GAN recipe as its text describes it - one-hot labels
concatenated to the latent vector and to the discriminator's input, binary
cross-entropy (the non-saturating loss), Adam 3e-4 for both networks -
on this protocol's network sizes.

Run:  python benchmarks/conditional.py --backend jax [--quick] [--seeds 10]
          [--first-seed 0] [--datasets ring,digits] [--methods plain,acgan]
      python benchmarks/conditional.py --merge A/conditional.json ...
          --output DIR   (pools separate processes' runs by seed)
Writes OUTPUT/conditional.json (OUTPUT/conditional.partial.json after each
run) and OUTPUT/conditional_samples_DATASET.png (one row or colour per
class), and prints the table.
"""

import argparse
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
from benchmarks.methods import NS_R1  # noqa: E402
from benchmarks.methods import compile_arguments  # noqa: E402

STEPS = {"ring": 5_000, "digits": 3_000}
BATCH = {"ring": 512, "digits": 64}
LATENT = {"ring": 256, "digits": 32}
NUM_CLASSES = {"ring": 8, "digits": 10}
RING_STD = 0.01
FIELDS = {
    "ring": ("conditional_accuracy", "modes", "high_quality", "reverse_kl"),
    "digits": ("conditional_accuracy", "class_frechet", "class_kl",
               "frechet_distance"),
}
METHODS = {
    "plain": {"compile": {"consistency_loss": None}},
    "acgan": {"networks": {"conditioning": "acgan"},
              "compile": {"consistency_loss": None}},
    "recommended": {"compile": {}},
    "recommended_ns_r1": {"compile": dict(NS_R1)},
    "keras_io": {"networks": "keras_io",
                 "compile": {"consistency_loss": None},
                 "learning_rate": 3e-4},
}
DEFAULT_METHODS = tuple(METHODS)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--datasets", default="ring,digits")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help="comma-separated subset of: "
                        + ",".join(METHODS))
    parser.add_argument("--steps", type=int, default=None,
                        help="generator steps (default: 5,000 on the ring, "
                        "3,000 on the digits)")
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, 100 steps: a smoke test")
    parser.add_argument("--output", default="runs/bench")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.steps = 1, 100
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    for name, known in (("datasets", FIELDS), ("methods", METHODS)):
        unknown = [v for v in getattr(args, name).split(",")
                   if v not in known]
        if unknown:
            raise SystemExit(f"Unknown {name} {unknown}; choose from "
                             f"{list(known)}.")
    return args


def keras_io_networks(shape, latent_dim, num_classes, hidden_units,
                      activation, output_activation):
    """The keras-io recipe's conditioning on this protocol's MLPs: one-hot
    labels concatenated to z, and to the (flattened) discriminator input."""
    import math as m

    import keras
    from keras import layers

    def one_hot(labels):
        return layers.CategoryEncoding(num_classes,
                                       output_mode="one_hot")(labels)

    z = keras.Input((latent_dim,))
    labels = keras.Input((1,), dtype="int32")
    h = layers.Concatenate()([z, one_hot(labels)])
    for units in hidden_units:
        h = layers.Dense(units, activation=activation)(h)
    h = layers.Dense(m.prod(shape), activation=output_activation)(h)
    generator = keras.Model([z, labels], layers.Reshape(shape)(h),
                            name="generator")
    x = keras.Input(shape)
    labels = keras.Input((1,), dtype="int32")
    h = layers.Concatenate()([layers.Flatten()(x), one_hot(labels)])
    for units in hidden_units:
        h = layers.Dense(units, activation=activation)(h)
    discriminator = keras.Model([x, labels], layers.Dense(1)(h),
                                name="discriminator")
    return generator, discriminator


def build_gan(dataset, method, seed):
    import keras

    import keras_aegan as kag

    spec = METHODS[method]
    shape = (2,) if dataset == "ring" else (8, 8, 1)
    sizes = dict(hidden_units=(128, 128), activation="tanh",
                 output_activation=None) if dataset == "ring" else dict(
        hidden_units=(256, 256), activation="relu", output_activation="tanh")
    latent, classes = LATENT[dataset], NUM_CLASSES[dataset]
    nets = kag.models.mlp_gan(shape, latent, num_classes=classes,
                              **sizes, **(spec.get("networks") if isinstance(
                                  spec.get("networks"), dict) else {}))
    generator, discriminator = nets.generator, nets.discriminator
    if spec.get("networks") == "keras_io":
        generator, discriminator = keras_io_networks(shape, latent, classes,
                                                     **sizes)
    gan = kag.StabilizedGAN(generator, discriminator,
                            autoencoder=nets.autoencoder, encoder=nets.encoder,
                            seed=seed, num_classes=classes)
    compile_kwargs = compile_arguments(spec["compile"])
    if "learning_rate" in spec:
        for name in ("generator_optimizer", "discriminator_optimizer"):
            compile_kwargs[name] = keras.optimizers.Adam(spec["learning_rate"])
    elif dataset == "ring":
        compile_kwargs["generator_optimizer"] = keras.optimizers.Adam(
            1e-3, beta_1=0.5)
        compile_kwargs["discriminator_optimizer"] = keras.optimizers.Adam(
            1e-4, beta_1=0.5)
    gan.compile(**compile_kwargs)
    return gan


def ring_data():
    import numpy as np

    import keras_aegan as kag

    _, centers = kag.datasets.ring(1)

    def sample(n, seed):
        x, _ = kag.datasets.ring(n, std=RING_STD, seed=seed)
        labels = np.argmin(((x[:, None] - centers[None]) ** 2).sum(-1), 1)
        return x, labels.astype("int32")

    return sample, centers


def score_ring(gan, seed):
    import keras
    import numpy as np

    import keras_aegan as kag

    _, centers = ring_data()
    labels = np.arange(2_500) % 8
    samples = gan.generate(2_500, seed=seed, labels=labels)
    distance = np.linalg.norm(samples - centers[labels], axis=1)
    metric = kag.metrics.ModeCoverage(centers, RING_STD)
    metric.update_state(None, samples)
    result = {k: float(keras.ops.convert_to_numpy(v))
              for k, v in metric.result().items()}
    result["conditional_accuracy"] = float(np.mean(distance
                                                   <= 3 * RING_STD))
    result["failed"] = bool(result["conditional_accuracy"] < 0.9
                            or result["modes"] < 7
                            or result["high_quality"] < 0.5)
    return result, samples[:800], labels[:800]


def score_digits(gan, seed, judge, x, y):
    import numpy as np

    from benchmarks.digits import frechet_distance
    from benchmarks.digits import kl_to_uniform

    labels = np.repeat(np.arange(10), 1_000)
    samples = gan.generate(len(labels), seed=seed, labels=labels)
    predicted, _ = judge.predict(samples)
    features = judge.features(samples)
    real_features = judge.features(x)
    per_class = [frechet_distance(features[labels == c],
                                  real_features[y == c]) for c in range(10)]
    result = {
        "conditional_accuracy": float(np.mean(predicted == labels)),
        "class_accuracy": [float(np.mean(predicted[labels == c] == c))
                           for c in range(10)],
        "class_frechet": float(np.mean(per_class)),
        "class_kl": kl_to_uniform(predicted, 10),
        "frechet_distance": frechet_distance(features, real_features),
    }
    keep = np.concatenate([np.flatnonzero(labels == c)[:8]
                           for c in range(10)])
    return result, samples[keep], labels[keep]


def floors(judge, x, y, seed=0):
    """Real-vs-real Fréchet distances: all digits, and the mean over the
    classes, each between two random halves."""
    import numpy as np

    from benchmarks.digits import floor
    from benchmarks.digits import frechet_distance

    rng = np.random.default_rng(seed)
    per_class = []
    for c in range(10):
        rows = rng.permutation(np.flatnonzero(y == c))
        half = len(rows) // 2
        per_class.append(frechet_distance(judge.features(x[rows[:half]]),
                                          judge.features(x[rows[half:]])))
    return {"frechet_floor": floor("digits", judge, x, seed),
            "class_frechet_floor": float(np.mean(per_class))}


def run_one(dataset, method, seed, steps, judge=None):
    import keras
    import numpy as np

    import keras_aegan as kag

    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    gan = build_gan(dataset, method, seed)
    start = time.time()
    if dataset == "ring":
        sample, _ = ring_data()

        class OnTheFly(keras.utils.PyDataset):
            def __init__(self):
                super().__init__()
                self.rng = np.random.default_rng(seed + 1)

            def __len__(self):
                return steps

            def __getitem__(self, index):
                return sample(BATCH["ring"], int(self.rng.integers(2**31)))

        history = gan.fit(OnTheFly(), epochs=1, verbose=0)
        result, samples, labels = score_ring(gan, seed)
    else:
        x, y = kag.datasets.digits()
        steps_per_epoch = min(math.ceil(len(x) / BATCH["digits"]), steps)
        history = gan.fit(x, y, batch_size=BATCH["digits"],
                          epochs=max(1, round(steps / steps_per_epoch)),
                          steps_per_epoch=steps_per_epoch, verbose=0)
        result, samples, labels = score_digits(gan, seed, judge, x, y)
    result["seconds"] = time.time() - start
    result["steps"] = int(keras.ops.convert_to_numpy(
        gan.generator_optimizer.iterations))
    result["finite_losses"] = bool(all(
        np.isfinite(v).all() for v in history.history.values()))
    return result, samples, labels


def format_table(results, dataset):
    fields = FIELDS[dataset]
    entry = results[dataset]
    extra = ""
    if dataset == "digits":
        extra = (f"; Fréchet floor {entry['frechet_floor']:.3f}, per-class "
                 f"floor {entry['class_frechet_floor']:.3f}")
    seeds = "/".join(str(n) for n in sorted({
        len(e["runs"]) for e in entry["methods"].values()}))
    lines = [f"\n{dataset}: {seeds} seeds (mean ± s.e.){extra}",
             f"{'method':20s}" + "".join(f"{f:>24s}" for f in fields)
             + ("  failed" if dataset == "ring" else "")]
    for method, e in entry["methods"].items():
        s = e["summary"]
        line = f"{method:20s}" + "".join(
            f"{s[f]['mean']:>15.3f}±{s[f]['sem']:<8.3f}" for f in fields)
        if dataset == "ring":
            line += f"  {sum(r['failed'] for r in e['runs'])}/{len(e['runs'])}"
        lines.append(line)
    return "\n".join(lines)


def markdown_table(results, dataset):
    """One dataset of a conditional.json as a Markdown table (mean ± s.e.
    over seeds; accuracies and HQ in %)."""
    entry = results[dataset]
    percent = {"conditional_accuracy", "high_quality"}
    header = {"conditional_accuracy": "accuracy %", "modes": "modes",
              "high_quality": "HQ %", "reverse_kl": "reverse KL",
              "class_frechet": "per-class Fréchet (floor "
                               f"{entry.get('class_frechet_floor', 0):.2f})",
              "class_kl": "class KL",
              "frechet_distance": "Fréchet (floor "
                                  f"{entry.get('frechet_floor', 0):.2f})"}
    fields = FIELDS[dataset]
    lines = ["| method | seeds | " + " | ".join(header[f] for f in fields)
             + (" | failed |" if dataset == "ring" else " |"),
             "| --- | --- |" + " --- |" * (len(fields)
                                           + (dataset == "ring"))]
    for method, e in entry["methods"].items():
        cells = []
        for f in fields:
            scale = 100.0 if f in percent else 1.0
            digits = 3 if "kl" in f else 1 if f in percent else 2
            mean = e["summary"][f]["mean"] * scale
            sem = e["summary"][f]["sem"] * scale
            cells.append(f"{mean:.{digits}f} ± {sem:.{digits}f}")
        if dataset == "ring":
            cells.append(f"{sum(r['failed'] for r in e['runs'])}"
                         f"/{len(e['runs'])}")
        lines.append(f"| {method} | {len(e['runs'])} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results, dataset, output):
    """The first seed's samples of each method: the ring coloured by the
    asked class, the digits one row per class."""
    import matplotlib.pyplot as plt
    import numpy as np

    entries = results[dataset]["methods"]
    fig, axes = panels(len(entries), 3.2, 3.4)
    for ax, (method, entry) in zip(axes, entries.items(), strict=True):
        samples = (np.asarray(entry["samples"], dtype="float32")
                   if dataset == "ring" else decode_8bit(entry["samples"]))
        labels = np.asarray(entry["sample_labels"])
        if dataset == "ring":
            colours = plt.get_cmap("tab10")
            for c in range(8):
                rows = labels == c
                ax.scatter(samples[rows, 0], samples[rows, 1], s=2,
                           color=colours(c))
            ax.set_aspect("equal")
        else:
            images = np.pad(samples[..., 0] / 255.0,
                            ((0, 0), (1, 1), (1, 1)), constant_values=0.5)
            grid = images.reshape(10, 8, 10, 10).transpose(
                0, 2, 1, 3).reshape(100, 80)
            ax.imshow(grid, cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
        ax.set_title(f"{method} (seed {entry['samples_seed']})", fontsize=9)
    fig.savefig(os.path.join(output, f"conditional_samples_{dataset}.png"),
                dpi=100, bbox_inches="tight")
    plt.close(fig)


def _stored_samples(dataset, samples):
    import numpy as np

    if dataset == "ring":
        return np.round(samples, 4).tolist()
    return encode_8bit(samples)


def check_results(results):
    for dataset in FIELDS:
        for method, entry in results.get(dataset, {}).get(
                "methods", {}).items():
            for run in entry["runs"]:
                missing = {*FIELDS[dataset], "seed", "seconds", "steps",
                           "finite_losses"} - set(run)
                if missing:
                    raise RuntimeError(
                        f"conditional {dataset}/{method}: a run lacks "
                        f"{missing}")


def finish(results, output):
    for dataset in FIELDS:
        if dataset not in results:
            continue
        for entry in results[dataset]["methods"].values():
            entry["summary"] = summarize(entry["runs"], FIELDS[dataset])
        print(format_table(results, dataset))
        plot(results, dataset, output)
    check_results(results)


def merge(paths, output):
    merged = {}
    for path in paths:
        with open(path) as f:
            part = json.load(f)
        check_protocol(merged, part, path)
        if "judge_accuracy" in part:
            if merged.setdefault("judge_accuracy", part["judge_accuracy"]) != (
                    part["judge_accuracy"]):
                raise SystemExit(f"{path} was scored by another judge.")
        for dataset in FIELDS:
            if dataset not in part:
                continue
            floors_of = {k: v for k, v in part[dataset].items()
                         if k != "methods"}
            target = merged.setdefault(dataset, {**floors_of, "methods": {}})
            if any(not math.isclose(target[k], v, rel_tol=1e-4)
                   for k, v in floors_of.items()):
                raise SystemExit(f"{path}: other {dataset} floors "
                                 f"{floors_of}; rerun it with this checkout.")
            for method, entry in part[dataset]["methods"].items():
                if method in target["methods"]:
                    pooled = target["methods"][method]
                    # The sample labels are the same for every seed.
                    pool(pooled, entry, f"{path}: {dataset}/{method}")
                else:
                    target["methods"][method] = dict(entry)
    os.makedirs(output, exist_ok=True)
    merged["protocol"]["seeds"] = max(
        len(e["runs"]) for d in FIELDS if d in merged
        for e in merged[d]["methods"].values())
    finish(merged, output)
    with open(os.path.join(output, "conditional.json"), "w") as f:
        json.dump(merged, f)
    return merged


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    merged = merge_requested(argv, merge)
    if merged is not None:
        return merged
    args = parse_args(argv)
    import keras

    import keras_aegan as kag
    from benchmarks.digits import Judge

    os.makedirs(args.output, exist_ok=True)
    datasets = args.datasets.split(",")
    results = {"protocol": {"backend": keras.backend.backend(),
                            "seeds": args.seeds,
                            "steps": {d: args.steps or STEPS[d]
                                      for d in FIELDS}}}
    judge = None
    for dataset in datasets:
        steps = args.steps or STEPS[dataset]
        entry = {"methods": {}}
        if dataset == "digits":
            x, y = kag.datasets.digits()
            judge = Judge(x, y)
            entry.update(floors(judge, x, y))
            results["judge_accuracy"] = judge.accuracy
        results[dataset] = entry
        for method in args.methods.split(","):
            runs = []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                result, samples, labels = run_one(dataset, method, seed,
                                                  steps, judge)
                runs.append({"seed": seed, **result})
                print(f"{dataset} {method} seed {seed}: " + ", ".join(
                    f"{k}={v:.3f}" for k, v in result.items()
                    if isinstance(v, float)), flush=True)
                if seed == args.first_seed:
                    entry["methods"][method] = {
                        "samples_seed": seed,
                        "samples": _stored_samples(dataset, samples),
                        "sample_labels": labels.tolist()}
                entry["methods"][method]["runs"] = runs
                with open(os.path.join(args.output,
                                       "conditional.partial.json"), "w") as f:
                    json.dump(results, f)
    finish(results, args.output)
    with open(os.path.join(args.output, "conditional.json"), "w") as f:
        json.dump(results, f)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

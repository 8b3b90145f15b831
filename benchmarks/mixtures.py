"""B1 + B4: mode coverage on the 2-D mixtures (ring of 8, grid of 25).

Protocol (B1, docs/benchmarks.md): generator and discriminator are MLPs with
2 hidden layers of 128 tanh units (the autoencoder and encoder too),
z ~ N(0, I_256), batch 512, Adam (generator lr 1e-3, discriminator lr 1e-4,
beta_1 0.5), 25,000 generator steps, data sampled on the fly. Scored on
2,500 generated samples with `kag.metrics.ModeCoverage` (3σ high quality;
modes hit by an HQ sample; strict: >= 20 HQ samples; reverse KL). A run fails
with fewer than K-1 modes or HQ below 50%.

Run:  python benchmarks/mixtures.py --backend jax [--quick] [--seeds 10]
          [--first-seed 0] [--steps 25000] [--datasets ring,grid]
          [--methods plain,manifold]
      python benchmarks/mixtures.py --merge A/mixtures.json B/mixtures.json
          ... --output DIR   (pools separate processes' runs by seed)
Methods (benchmarks/methods.py): plain, manifold, data, latent, recommended
(the default set), ebgan, began, hinge_sn, wgan_gp, wgan_gp_paper,
pacgan2, pacgan4, recommended_pacgan2, recommended_pacgan4,
recommended_wgan_gp, recommended_ema, ns_r1, recommended_ns_r1 (the
default's terms and penalty, last weights), recommended_ns_r1_ema
(`compile()`'s default), r3gan, ...
Writes OUTPUT/mixtures.json, OUTPUT/mixtures_samples_DATASET.png and
OUTPUT/mixtures_trace_DATASET.png, and prints the table.
"""

import argparse
import json
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))


from benchmarks.common import check_protocol  # noqa: E402
from benchmarks.common import merge_requested  # noqa: E402
from benchmarks.common import panels  # noqa: E402
from benchmarks.common import pool  # noqa: E402
from benchmarks.methods import DEFAULT_METHODS  # noqa: E402
from benchmarks.methods import METHODS  # noqa: E402
from benchmarks.methods import build as build_method  # noqa: E402
from benchmarks.methods import check as check_methods  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="run seeds first-seed .. first-seed+seeds-1 "
                             "(to split a full run over processes; "
                             "combine with --merge)")
    parser.add_argument("--steps", type=int, default=25_000)
    parser.add_argument("--eval-every", type=int, default=1_000)
    parser.add_argument("--datasets", default="ring,grid")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help="comma-separated subset of: " + ",".join(
                            METHODS))
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, 200 steps: a smoke test in a minute")
    parser.add_argument("--output", default="runs/bench")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.steps, args.eval_every = 1, 200, 100
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    return args


# Published rows: (modes, HQ %, reverse KL or None), from Table 1 of the paper
# each label names: VEEGAN (Srivastava et al. 2017), GDPP (Elfeki et al.
# 2019), PacGAN (Lin et al. 2018).
PUBLISHED = {
    "ring": [
        ("GAN (VEEGAN T1)", 1, 99.3, None),
        ("ALI (VEEGAN T1)", 2.8, 0.13, None),
        ("Unrolled GAN (VEEGAN T1)", 7.6, 35.6, None),
        ("VEEGAN (VEEGAN T1)", 8, 52.9, None),
        ("WGAN-GP (GDPP T1)", 6.8, 59.6, None),
        ("GDPP-GAN (GDPP T1)", 8.0, 71.7, None),
        ("GAN bigger nets (PacGAN T1)", 6.3, 98.2, 0.45),
        ("PacGAN2 (PacGAN T1)", 7.9, 95.6, 0.07),
        ("PacGAN4 (PacGAN T1)", 7.8, 95.9, 0.07),
    ],
    "grid": [
        ("GAN (VEEGAN T1)", 3.3, 0.5, None),
        ("ALI (VEEGAN T1)", 15.8, 1.6, None),
        ("Unrolled GAN (VEEGAN T1)", 23.6, 16, None),
        ("VEEGAN (VEEGAN T1)", 24.6, 40, None),
        ("WGAN-GP (GDPP T1)", 24.2, 28.7, None),
        ("GDPP-GAN (GDPP T1)", 24.8, 68.5, None),
        ("GAN bigger nets (PacGAN T1)", 17.3, 94.8, 0.70),
        ("PacGAN2 (PacGAN T1)", 23.8, 91.3, 0.13),
        ("PacGAN4 (PacGAN T1)", 24.8, 93.6, 0.04),
    ],
}

FIELDS = ("modes", "modes_strict", "high_quality", "reverse_kl")
LATENT_DIM = 256
BATCH_SIZE = 512
NUM_SCORED = 2_500


def mixture(name):
    import keras_aegan as kag

    if name == "ring":
        return kag.datasets.ring, 8, 0.01
    if name == "grid":
        return kag.datasets.grid, 25, 0.05
    raise ValueError(f"Unknown dataset {name!r}; expected 'ring' or 'grid'.")


def run_one(dataset, method, seed, steps, eval_every, **compile_kwargs):
    """Trains one GAN; returns final scores, the per-eval trace, samples.

    `method` is a name of `benchmarks.methods.METHODS` or a
    `consistency_loss` value (for tuning); `compile_kwargs` go to `compile`
    (e.g. `autoencoder_optimizer`) on top of the method's. With a method's
    `"ema"` (or `generator_ema`), the generator's average is what is
    scored.
    """
    import keras
    import numpy as np

    import keras_aegan as kag

    sample_fn, num_modes, std = mixture(dataset)
    _, centers = sample_fn(1)

    class OnTheFly(keras.utils.PyDataset):
        """Fresh samples for every batch."""

        def __init__(self):
            super().__init__()
            self.rng = np.random.default_rng(seed + 1)

        def __len__(self):
            return eval_every

        def __getitem__(self, index):
            x, _ = sample_fn(BATCH_SIZE, seed=int(self.rng.integers(2**31)))
            return x

    def generate(gan):
        # The generator's average when the GAN keeps one.
        return gan.generate(NUM_SCORED, seed=seed)

    def score(gan):
        metric = kag.metrics.ModeCoverage(centers, std)
        metric.update_state(None, generate(gan))
        return {k: float(keras.ops.convert_to_numpy(v))
                for k, v in metric.result().items()}

    trace = []

    class Trace(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            trace.append({"step": (epoch + 1) * eval_every,
                          **score(self.model)})

    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    if isinstance(method, str) and method in METHODS:
        network_kwargs, method_kwargs = build_method(method)
        compile_kwargs = {**method_kwargs, **compile_kwargs}
    else:
        network_kwargs = {}
        compile_kwargs["consistency_loss"] = method
        compile_kwargs.setdefault("generator_ema", None)
    nets = kag.models.mlp_gan(2, LATENT_DIM, hidden_units=(128, 128),
                              activation="tanh", **network_kwargs)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
                            autoencoder=nets.autoencoder, encoder=nets.encoder,
                            seed=seed)
    compile_kwargs.setdefault("generator_optimizer",
                              keras.optimizers.Adam(1e-3, beta_1=0.5))
    compile_kwargs.setdefault("discriminator_optimizer",
                              keras.optimizers.Adam(1e-4, beta_1=0.5))
    gan.compile(**compile_kwargs)
    start = time.time()
    gan.fit(OnTheFly(), epochs=max(1, steps // eval_every), verbose=0,
            callbacks=[Trace()])
    seconds = time.time() - start
    final = dict(trace[-1])
    final.pop("step")
    final["failed"] = bool(final["modes"] < num_modes - 1
                           or final["high_quality"] < 0.5)
    final["seconds"] = seconds
    return final, trace, generate(gan), centers


def summarize(runs):
    from benchmarks.common import summarize as mean_and_sem

    summary = mean_and_sem(runs, FIELDS + ("failed",))
    summary["failed_runs"] = int(sum(r["failed"] for r in runs))
    return summary


def format_table(results, dataset, seeds):
    lines = [f"\n{dataset}: ours over {seeds} seeds (mean ± s.e.), then "
             "published rows",
             f"{'method':30s} {'modes':>12s} {'strict':>12s} {'HQ %':>12s} "
             f"{'reverse KL':>14s} {'failed':>7s}"]
    for method, entry in results[dataset].items():
        s = entry["summary"]
        lines.append(
            f"{method:30s} "
            f"{s['modes']['mean']:6.2f}±{s['modes']['sem']:<5.2f} "
            f"{s['modes_strict']['mean']:6.2f}±"
            f"{s['modes_strict']['sem']:<5.2f} "
            f"{100 * s['high_quality']['mean']:6.1f}±"
            f"{100 * s['high_quality']['sem']:<5.1f} "
            f"{s['reverse_kl']['mean']:7.3f}±{s['reverse_kl']['sem']:<6.3f} "
            f"{s['failed_runs']:>3d}/{len(entry['runs'])}")
    for name, modes, hq, kl in PUBLISHED[dataset]:
        kl_text = f"{kl:7.2f}" if kl is not None else "      -"
        lines.append(f"{name:30s} {modes:6.1f}{'':6s} {'-':>12s} "
                     f"{hq:6.1f}{'':6s} {kl_text}{'':7s} {'-':>7s}")
    return "\n".join(lines)


def plot(results, dataset, output):
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(results[dataset])
    fig, axes = panels(len(methods), 3, 3.2)
    for ax, method in zip(axes, methods, strict=True):
        entry = results[dataset][method]
        generated = np.array(entry["samples"])
        centers = np.array(entry["centers"])
        ax.scatter(generated[:, 0], generated[:, 1], s=1, alpha=0.4)
        ax.scatter(centers[:, 0], centers[:, 1], s=20, c="red", marker="x")
        ax.set_title(f"{method} (seed {entry['samples_seed']})")
        ax.set_aspect("equal")
    fig.savefig(os.path.join(output, f"mixtures_samples_{dataset}.png"),
                dpi=100, bbox_inches="tight")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for method in methods:
        entry = results[dataset][method]
        trace = entry["traces"][0]
        ax.plot([t["step"] for t in trace], [t["modes"] for t in trace],
                label=f"{method} (seed {entry['runs'][0]['seed']})",
                marker=".")
    ax.set_xlabel("generator step")
    ax.set_ylabel("modes covered")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.grid(alpha=0.3)
    fig.savefig(os.path.join(output, f"mixtures_trace_{dataset}.png"),
                dpi=100, bbox_inches="tight")
    plt.close(fig)


def check_results(results):
    """Raises if the results miss a figure the JSON must have."""
    for dataset, entries in results.items():
        if dataset == "protocol":
            continue
        for method, entry in entries.items():
            where = f"mixtures {dataset}/{method}"
            for run in entry["runs"]:
                missing = {*FIELDS, "seed", "failed", "seconds"} - set(run)
                if missing:
                    raise RuntimeError(f"{where}: a run lacks {missing}")
            for trace in entry["traces"]:
                if not trace or any(set(FIELDS) - set(t) for t in trace):
                    raise RuntimeError(f"{where}: incomplete trace")
            for field in FIELDS + ("failed",):
                if set(entry["summary"][field]) != {"mean", "sem"}:
                    raise RuntimeError(f"{where}: summary of {field}")
            if "failed_runs" not in entry["summary"]:
                raise RuntimeError(f"{where}: no failed_runs")


def merge(paths, output):
    """Combines mixtures.json files of separate runs (one process per
    dataset, method or range of seeds) into one, and prints and plots the
    whole. Runs of the same dataset and method are pooled by seed."""
    merged = {}
    for path in paths:
        with open(path) as f:
            part = json.load(f)
        check_protocol(merged, part, path)
        for dataset, entries in part.items():
            if dataset == "protocol":
                continue
            for method, entry in entries.items():
                pooled = merged.setdefault(dataset, {}).get(method)
                if pooled is None:
                    merged[dataset][method] = dict(entry)
                else:
                    pool(pooled, entry, f"{path}: {dataset}/{method}",
                         parallel=("traces",))
    for dataset, entries in merged.items():
        if dataset == "protocol":
            continue
        for entry in entries.values():
            entry["summary"] = summarize(entry["runs"])
    merged["protocol"]["seeds"] = max(
        len(entry["runs"]) for dataset, entries in merged.items()
        if dataset != "protocol" for entry in entries.values())
    check_results(merged)
    os.makedirs(output, exist_ok=True)
    for dataset in [d for d in merged if d != "protocol"]:
        seeds = {len(e["runs"]) for e in merged[dataset].values()}
        print(format_table(merged, dataset, "/".join(map(str, sorted(seeds)))))
        plot(merged, dataset, output)
    # Compact: the merged file is what docs/benchmarks/ keeps.
    with open(os.path.join(output, "mixtures.json"), "w") as f:
        json.dump(merged, f, separators=(",", ":"))
    return merged


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    merged = merge_requested(argv, merge)
    if merged is not None:
        return merged
    args = parse_args(argv)
    import keras

    methods = args.methods.split(",")
    check_methods(methods)
    os.makedirs(args.output, exist_ok=True)
    results = {"protocol": {"backend": keras.backend.backend(),
                            "seeds": args.seeds, "steps": args.steps,
                            "batch_size": BATCH_SIZE,
                            "latent_dim": LATENT_DIM,
                            "scored_samples": NUM_SCORED}}
    for dataset in args.datasets.split(","):
        results[dataset] = {}
        samples = {}
        for method in methods:
            runs, traces = [], []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                final, trace, generated, centers = run_one(
                    dataset, method, seed, args.steps, args.eval_every)
                runs.append({"seed": seed, **final})
                traces.append(trace)
                if method not in samples:
                    samples[method] = (generated, centers)
                print(f"{dataset} {method} seed {seed}: "
                      + ", ".join(f"{k}={v:.3f}" for k, v in final.items()
                                  if k != "failed"), flush=True)
                generated, centers = samples[method]
                results[dataset][method] = {
                    "runs": runs, "traces": traces,
                    "summary": summarize(runs),
                    "samples_seed": args.first_seed,
                    # 0.01 is far below what the scatter plots can show.
                    "samples": generated[:1000].round(2).tolist(),
                    "centers": centers.tolist()}
                # Finished runs survive an interrupted one: the partial
                # file can be pooled with --merge like a whole one.
                with open(os.path.join(args.output, "mixtures.partial.json"),
                          "w") as f:
                    json.dump(results, f)
        print(format_table(results, dataset, args.seeds))
        plot(results, dataset, args.output)
    check_results(results)
    with open(os.path.join(args.output, "mixtures.json"), "w") as f:
        json.dump(results, f)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

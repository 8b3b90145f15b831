"""B5: a stability map: the learning rates at which each method works.

What a stabilizer should buy is a wider range of settings that train. Each
method trains on a 4x4 grid of learning rates, the generator's and the
discriminator's each in {1e-4, 3e-4, 1e-3, 3e-3} (Adam, beta_1 0.5), one
seed per cell, on two datasets:

- `grid`: the 25-Gaussian grid under the mixtures protocol
  (`benchmarks/mixtures.py`) with 10,000 generator steps; a cell fails
  with fewer than 24 modes or under 50% high-quality samples;
- `stacked`: stacked digits under the digits protocol
  (`benchmarks/digits.py`, 6,000 generator steps); a cell fails with fewer
  than 900 of the 1000 modes.

Everything else is the method's (benchmarks/methods.py), with these
optimizers for both networks.

Run:  python benchmarks/stability_map.py --backend jax [--quick]
          [--methods plain,wgan_gp,ns_r1,r3gan,recommended_ns_r1,recommended]
          [--datasets grid,stacked] [--shard K/N]
      python benchmarks/stability_map.py --merge A/stability_map.json ...
          --output DIR   (pools cells run in separate processes)
`--shard K/N` runs every N-th cell from the K-th (0 <= K < N), to split a
map over processes. Writes OUTPUT/stability_map.json (and a partial file
after each cell) and OUTPUT/stability_map_METHOD.png, one heat map per
method.
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
from benchmarks.methods import METHODS  # noqa: E402
from benchmarks.methods import check as check_methods  # noqa: E402

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3)
# recommended_ns_r1 is compile()'s default; recommended, the terms alone.
DEFAULT_METHODS = ("plain", "wgan_gp", "ns_r1", "r3gan", "recommended_ns_r1",
                   "recommended")
DATASETS = ("grid", "stacked")
STEPS = {"grid": 10_000, "stacked": 6_000}
BETA_1 = 0.5
SEED = 0
# A stacked-digits cell fails under this many modes of 1000.
STACKED_MIN_MODES = 900
# What a cell keeps, per dataset.
FIELDS = {"grid": ("modes", "high_quality", "reverse_kl"),
          "stacked": ("modes_covered", "mode_kl", "frechet_distance")}
# Each heat map's title.
DATASET_TITLES = {"grid": "grid of 25", "stacked": "stacked digits"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--methods",
                        help="comma-separated subset of: " + ",".join(
                            METHODS) + " (default: " + ",".join(
                                DEFAULT_METHODS) + "; plain,recommended "
                        "with --quick)")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--shard", default="0/1",
                        help="K/N: run every N-th cell from the K-th")
    parser.add_argument("--quick", action="store_true",
                        help="one cell (both rates 1e-3) per method and "
                             "dataset, 30 steps: a smoke test")
    parser.add_argument("--output", default="runs/bench")
    args = parser.parse_args(argv)
    args.learning_rates = LEARNING_RATES
    args.steps = dict(STEPS)
    if args.quick:
        args.learning_rates = (1e-3,)
        args.steps = {name: 30 for name in STEPS}
    if args.methods is None:
        args.methods = ("plain,recommended" if args.quick
                        else ",".join(DEFAULT_METHODS))
    try:
        index, count = (int(part) for part in args.shard.split("/"))
        if not 0 <= index < count:
            raise ValueError
    except ValueError:
        parser.error(f"--shard takes K/N with 0 <= K < N, e.g. 0/2; got "
                     f"{args.shard!r}")
    args.shard = (index, count)
    unknown = set(args.datasets.split(",")) - set(DATASETS)
    if unknown:
        parser.error(f"unknown datasets {sorted(unknown)}; choose from "
                     f"{list(DATASETS)}")
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    return args


def cells(args):
    """Every (dataset, method, generator rate, discriminator rate) of this
    shard."""
    every = [(dataset, method, g, d)
             for dataset in args.datasets.split(",")
             for method in args.methods.split(",")
             for g in args.learning_rates for d in args.learning_rates]
    index, count = args.shard
    return every[index::count]


def run_cell(dataset, method, g_rate, d_rate, steps, judge=None, real=None):
    """Trains one cell; returns its scores and whether it failed."""
    import keras

    from benchmarks import digits
    from benchmarks import mixtures

    optimizers = {
        "generator_optimizer": keras.optimizers.Adam(g_rate, beta_1=BETA_1),
        "discriminator_optimizer": keras.optimizers.Adam(d_rate,
                                                         beta_1=BETA_1)}
    start = time.time()
    if dataset == "grid":
        final, _, _, _ = mixtures.run_one("grid", method, SEED, steps, steps,
                                          **optimizers)
        failed = final["failed"]
    else:
        final, _ = digits.run_one("stacked", method, SEED, steps, judge,
                                  real, **optimizers)
        failed = final["modes_covered"] < STACKED_MIN_MODES
    cell = {field: float(final[field]) for field in FIELDS[dataset]}
    cell.update(generator_lr=g_rate, discriminator_lr=d_rate,
                failed=bool(failed), seconds=time.time() - start)
    return cell


def successes(results):
    """{dataset: {method: (cells that succeeded, cells)}}."""
    return {dataset: {method: (sum(not c["failed"] for c in entries),
                               len(entries))
                      for method, entries in by_method.items()}
            for dataset, by_method in results["cells"].items()}


def format_table(results):
    lines = ["| method | " + " | ".join(results["cells"]) + " |",
             "| --- |" + " --- |" * len(results["cells"])]
    counts = successes(results)
    methods = list(dict.fromkeys(
        m for by_method in results["cells"].values() for m in by_method))
    for method in methods:
        row = []
        for dataset in results["cells"]:
            ok, total = counts[dataset].get(method, (0, 0))
            row.append(f"{ok}/{total}" if total else "-")
        lines.append(f"| {method} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def plot(results, output):
    """One PNG per method: a heat map per dataset, rows the generator's
    learning rate, columns the discriminator's; colour = modes found (of
    the dataset's), text = modes and HQ (grid) or modes (stacked), a cross
    on failed cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rates = results["protocol"]["learning_rates"]
    total_modes = {"grid": 25, "stacked": 1000}
    methods = list(dict.fromkeys(
        m for by_method in results["cells"].values() for m in by_method))
    paths = []
    for method in methods:
        datasets = [d for d in results["cells"]
                    if method in results["cells"][d]]
        fig, axes = plt.subplots(1, len(datasets), squeeze=False,
                                 figsize=(4.0 * len(datasets), 3.9))
        fig.suptitle(method)
        for ax, dataset in zip(axes[0], datasets, strict=True):
            values = np.full((len(rates), len(rates)), np.nan)
            field = FIELDS[dataset][0]
            for cell in results["cells"][dataset][method]:
                i = rates.index(cell["generator_lr"])
                j = rates.index(cell["discriminator_lr"])
                values[i, j] = cell[field] / total_modes[dataset]
                text = f"{cell[field]:.0f}"
                if dataset == "grid":
                    text += f"\n{100 * cell['high_quality']:.0f}%"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="black")
                if cell["failed"]:
                    ax.plot(j, i, marker="x", color="red", markersize=26,
                            alpha=0.5)
            ax.imshow(values, cmap="viridis", vmin=0, vmax=1)
            labels = [f"{r:g}" for r in rates]
            ax.set_xticks(range(len(rates)), labels)
            ax.set_yticks(range(len(rates)), labels)
            ax.set_xlabel("discriminator learning rate")
            if ax is axes[0][0]:
                ax.set_ylabel("generator learning rate")
            ok = sum(not c["failed"] for c in results["cells"][dataset][
                method])
            count = len(results["cells"][dataset][method])
            steps = results["protocol"]["steps"][dataset]
            ax.set_title(f"{DATASET_TITLES[dataset]}, {steps:,} steps: "
                         f"{ok}/{count} work", fontsize=10)
        path = os.path.join(output, f"stability_map_{method}.png")
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


def check_results(results):
    """Raises if a cell lacks a figure or a cell is there twice."""
    for dataset, by_method in results["cells"].items():
        for method, entries in by_method.items():
            seen = set()
            for cell in entries:
                missing = {*FIELDS[dataset], "generator_lr",
                           "discriminator_lr", "failed", "seconds"} - set(
                               cell)
                if missing:
                    raise RuntimeError(f"stability_map {dataset}/{method}: "
                                       f"a cell lacks {sorted(missing)}")
                key = (cell["generator_lr"], cell["discriminator_lr"])
                if key in seen:
                    raise SystemExit(
                        f"stability_map {dataset}/{method}: the cell "
                        f"{key} is there twice (two shards ran it)")
                seen.add(key)


def _order(results):
    for by_method in results["cells"].values():
        for entries in by_method.values():
            entries.sort(key=lambda c: (c["generator_lr"],
                                        c["discriminator_lr"]))


def write(results, output, name="stability_map.json"):
    with open(os.path.join(output, name), "w") as f:
        json.dump(results, f)


def merge(paths, output):
    """Pools the cells of separate processes' stability_map.json files."""
    merged = {"cells": {}}
    for path in paths:
        with open(path) as f:
            part = json.load(f)
        check_protocol(merged, part, path)
        for dataset, by_method in part["cells"].items():
            for method, entries in by_method.items():
                merged["cells"].setdefault(dataset, {}).setdefault(
                    method, []).extend(entries)
    check_results(merged)
    _order(merged)
    os.makedirs(output, exist_ok=True)
    print(format_table(merged))
    plot(merged, output)
    write(merged, output)
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
    from benchmarks import digits

    check_methods(args.methods.split(","))
    os.makedirs(args.output, exist_ok=True)
    judge = real = None
    if "stacked" in args.datasets.split(","):
        x, y = kag.datasets.digits()
        judge = digits.Judge(x, y)
        real = kag.datasets.stacked(x, y, digits.NUM_SCORED, seed=12345)[0]
    results = {"protocol": {"backend": keras.backend.backend(),
                            "learning_rates": list(args.learning_rates),
                            "steps": args.steps, "beta_1": BETA_1,
                            "seed": SEED}, "cells": {}}
    for dataset, method, g_rate, d_rate in cells(args):
        cell = run_cell(dataset, method, g_rate, d_rate,
                        args.steps[dataset], judge, real)
        results["cells"].setdefault(dataset, {}).setdefault(
            method, []).append(cell)
        print(f"{dataset} {method} G {g_rate:g} D {d_rate:g}: " + ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
            for k, v in cell.items()), flush=True)
        write(results, args.output, "stability_map.partial.json")
    check_results(results)
    _order(results)
    print(format_table(results))
    plot(results, args.output)
    write(results, args.output)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

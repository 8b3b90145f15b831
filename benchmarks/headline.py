"""The headline figure: a plain GAN beside `compile()`'s default.

Two panels per dataset, from stored benchmark results (no training): the
2-D ring and grid (`benchmarks/mixtures.py` JSON: each method's stored
samples of its lowest seed, the true means as red crosses) and the 8x8
digits (`benchmarks/digits.py` JSON: 64 stored samples of the lowest seed,
0-255). Each panel's title
gives the method's measured summary over its seeds.

Run:  python benchmarks/headline.py --mixtures docs/benchmarks/mixtures.json
          [--digits docs/benchmarks/digits.json]
          [--plain plain] [--default recommended_ns_r1_ema]
          [--output docs/benchmarks/headline.png]
`--mixtures` takes several files (e.g. one per dataset); a method is read
from the first file that has it.
"""

import argparse
import json
import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))

from benchmarks.common import decode_8bit  # noqa: E402

MIXTURES = ("ring", "grid")
LABELS = {"plain": "plain GAN", "recommended_ns_r1_ema": "gan.compile()"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mixtures", nargs="+", required=True)
    parser.add_argument("--digits")
    parser.add_argument("--plain", default="plain")
    parser.add_argument("--default", default="recommended_ns_r1_ema")
    parser.add_argument("--output", default="runs/bench/headline.png")
    return parser.parse_args(argv)


def _load(paths):
    loaded = []
    for path in paths:
        with open(path) as f:
            loaded.append(json.load(f))
    return loaded


def find(results, dataset, method, where):
    """The stored entry of `method` on `dataset` in the first result that
    has it; raises SystemExit naming what was searched otherwise."""
    for result in results:
        entries = result.get(dataset, {})
        entries = entries.get("methods", entries)  # digits.json nests them
        if method in entries:
            return entries[method]
    raise SystemExit(f"No {dataset!r} results for method {method!r} in "
                     f"{where}; run the benchmark for it or pass another "
                     "--plain/--default.")


def mixture_title(method, entry):
    s, runs = entry["summary"], entry["runs"]
    return (f"{LABELS.get(method, method)}\n{s['modes']['mean']:.1f} modes, "
            f"HQ {100 * s['high_quality']['mean']:.0f}%, "
            f"{s['failed_runs']}/{len(runs)} runs failed")


def digits_title(method, entry):
    s, runs = entry["summary"], entry["runs"]
    return (f"{LABELS.get(method, method)}\nclass KL "
            f"{s['class_kl']['mean']:.3f}, Fréchet "
            f"{s['frechet_distance']['mean']:.2f} ({len(runs)} seeds)")


def mosaic(samples, columns=8, gap=1):
    """One image in [0, 1] of 8x8 samples stored as 0-255 (digits.py stores
    them so), `columns` a row, `gap` grey pixels between them."""
    import numpy as np

    images = decode_8bit(samples)[..., 0] / 255.0
    rows = -(-len(images) // columns)
    step = images.shape[1] + gap
    canvas = np.full((rows * step + gap, columns * step + gap), 0.5)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = gap + r * step, gap + c * step
        canvas[top:top + image.shape[0], left:left + image.shape[1]] = image
    return canvas


def main(argv=None):
    args = parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    mixtures = _load(args.mixtures)
    digits = _load([args.digits]) if args.digits else []
    rows = list(MIXTURES) + (["digits"] if digits else [])
    fig, axes = plt.subplots(len(rows), 2, figsize=(7, 3.4 * len(rows)),
                             squeeze=False)
    for row, dataset in zip(axes, rows, strict=True):
        for ax, method in zip(row, (args.plain, args.default), strict=True):
            if dataset == "digits":
                entry = find(digits, "digits", method, args.digits)
                ax.imshow(mosaic(entry["samples"]), cmap="gray", vmin=0,
                          vmax=1, interpolation="nearest")
                ax.set_title(digits_title(method, entry), fontsize=9)
                ax.axis("off")
                continue
            entry = find(mixtures, dataset, method, args.mixtures)
            points = np.array(entry["samples"])
            centers = np.array(entry["centers"])
            ax.scatter(points[:, 0], points[:, 1], s=1, alpha=0.4)
            ax.scatter(centers[:, 0], centers[:, 1], s=25, c="red",
                       marker="x")
            ax.set_title(mixture_title(method, entry), fontsize=9)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(dataset)
    fig.tight_layout()
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    fig.savefig(args.output, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {args.output}")
    return args.output


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

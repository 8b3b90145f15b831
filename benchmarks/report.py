"""Markdown tables for docs/benchmarks.md from the benchmarks' JSON files.

Run:  python benchmarks/report.py --mixtures runs/bench/mixtures.json
          [--digits runs/bench/digits.json]
Prints one table per mixture (our methods, then the published rows) and per
digits variant, with mean ± standard error over seeds and the per-seed
figures of each method.
"""

import argparse
import json
import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))

from benchmarks.mixtures import PUBLISHED  # noqa: E402


def _pm(summary, field, scale=1.0, digits=2):
    mean, sem = summary[field]["mean"] * scale, summary[field]["sem"] * scale
    return f"{mean:.{digits}f} ± {sem:.{digits}f}"


def mixtures_table(results, dataset):
    lines = ["| method | seeds | modes | strict modes | HQ % | reverse KL | "
             "failed runs |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for method, entry in results[dataset].items():
        s, n = entry["summary"], len(entry["runs"])
        lines.append(
            f"| {method} | {n} | {_pm(s, 'modes')} | "
            f"{_pm(s, 'modes_strict')} | {_pm(s, 'high_quality', 100, 1)} | "
            f"{_pm(s, 'reverse_kl', digits=3)} | {s['failed_runs']}/{n} |")
    for name, modes, hq, kl in PUBLISHED[dataset]:
        kl_text = "-" if kl is None else f"{kl:.2f}"
        lines.append(f"| {name} (published) | - | {modes} | - | {hq} | "
                     f"{kl_text} | - |")
    return "\n".join(lines)


def mixtures_per_seed(results, dataset, method):
    runs = results[dataset][method]["runs"]
    return "; ".join(
        f"{r['seed']}: {r['modes']:.0f}/{r['modes_strict']:.0f}/"
        f"{100 * r['high_quality']:.1f}%/{r['reverse_kl']:.3f}" for r in runs)


def digits_table(results, variant):
    from benchmarks.digits import FIELDS

    fields = FIELDS[variant]
    floor = results[variant]["frechet_floor"]
    header = " | ".join(fields).replace("frechet_distance",
                                        f"Fréchet (floor {floor:.2f})")
    lines = [f"| method | seeds | {header} |",
             "| --- | --- |" + " --- |" * len(fields)]
    for method, entry in results[variant]["methods"].items():
        s = entry["summary"]
        lines.append(f"| {method} | {len(entry['runs'])} | " + " | ".join(
            _pm(s, f, digits=3 if "kl" in f or f == "confidence"
                else 1 if f == "modes_covered" else 2)
            for f in fields) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mixtures")
    parser.add_argument("--digits")
    args = parser.parse_args(argv)
    if args.mixtures:
        with open(args.mixtures) as f:
            results = json.load(f)
        for dataset in [d for d in results if d != "protocol"]:
            print(f"\n**{dataset}**\n")
            print(mixtures_table(results, dataset))
            for method in results[dataset]:
                print(f"\nPer seed, {method} (seed: modes/strict/HQ/KL): "
                      + mixtures_per_seed(results, dataset, method))
    if args.digits:
        with open(args.digits) as f:
            results = json.load(f)
        for variant in ("digits", "stacked"):
            if variant in results:
                print(f"\n**{variant}**\n")
                print(digits_table(results, variant))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Markdown tables for docs/benchmarks_details.md from the benchmarks'
JSON files.

Run:  python benchmarks/report.py --mixtures runs/bench/mixtures.json
          [--digits runs/bench/digits.json] [--images runs/bench/images.json]
          [--stability-map runs/bench/stability_map.json]
          [--conditional runs/bench/conditional.json]
          [--update-docs docs/benchmarks_details.md]
Prints one table per mixture (our methods, then the published rows) and per
digits variant, with mean ± standard error over seeds and the per-seed
figures of each method. With --update-docs it rewrites the measured rows and
per-seed lines of that page in place instead (labels, order and prose kept);
a method stored without a row on the page, or a row without stored results,
is an error to fix by hand.
"""

import argparse
import json
import os
import re
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))

from benchmarks.common import summarize  # noqa: E402
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
    return f"Per seed, {method} (seed: modes/strict/HQ/KL): " + "; ".join(
        f"{r['seed']}: {r['modes']:.0f}/{r['modes_strict']:.0f}/"
        f"{100 * r['high_quality']:.1f}%/{r['reverse_kl']:.3f}" for r in runs)


def late_high_quality(results, dataset, method, after_step=15_000):
    """HQ over the evaluations after `after_step` (the traces): the mean
    over seeds of each run's average, its standard error, and how many of
    those evaluations fell under 50% (of how many). The last step's HQ is
    one draw of that; it tells a run that settled from one that swings."""
    per_run, below, count = [], 0, 0
    for trace in results[dataset][method]["traces"]:
        late = [point["high_quality"] for point in trace
                if point["step"] > after_step]
        if not late:
            raise ValueError(
                f"{dataset} {method}: no evaluation after step {after_step}; "
                f"pass a smaller after_step")
        per_run.append({"late": sum(late) / len(late)})
        below += sum(hq < 0.5 for hq in late)
        count += len(late)
    summary = summarize(per_run, ["late"])["late"]
    return summary["mean"], summary["sem"], below, count


def late_high_quality_line(results, dataset, method, after_step=15_000):
    mean, sem, below, count = late_high_quality(results, dataset, method,
                                                after_step)
    return (f"HQ after step {after_step:,}, {method}: "
            f"{100 * mean:.1f} ± {100 * sem:.1f}% (under 50% in {below} of "
            f"{count} evaluations)")


def digits_table(results, variant):
    """A digits.json or images.json variant as a Markdown table."""
    from benchmarks import digits
    from benchmarks import images

    fields = {**digits.FIELDS, **images.FIELDS}[variant]
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


# Where docs/benchmarks_details.md shows each stored table: (file, key,
# where the section starts, where it ends). The table is the first one in
# the section; a mixture's per-seed lines follow it.
DOC_SECTIONS = [
    ("mixtures", "ring", "**ring** (K = 8;", "**grid** (K = 25;"),
    ("mixtures", "grid", "**grid** (K = 25;", "### Tuning"),
    ("digits", "digits", "**digits**\n", "**stacked digits**\n"),
    ("digits", "stacked", "**stacked digits**\n", "\n\n**"),
    ("images", "stacked16", "**stacked digits, 16x16x3**\n", "\n## "),
    ("stability_map", None, "**stability map**", "\n## "),
]
KINDS = ("mixtures", "digits", "images", "stability_map")


def row_method(label):
    """`**recommended** (ours)` -> `recommended`: the row's method key."""
    return label.replace("*", "").split(" ")[0]


def _refresh_section(section, where, table, per_seed):
    """`section` with its first table's measured rows replaced by `table`'s
    (labels kept) and its per-seed lines by `per_seed` ({method: line})."""
    rows = {line.split("|")[1].strip(): line
            for line in table.splitlines()[2:]
            if not line.split("|")[1].strip().endswith("(published)")}
    lines = section.split("\n")
    first = next((n for n, line in enumerate(lines) if line.startswith("|")),
                 None)
    if first is None:
        raise ValueError(f"{where}: no table in its section of the page")
    shown = set()
    for n in range(first + 2, len(lines)):
        if not lines[n].startswith("|"):
            break
        label = lines[n].split("|")[1].strip()
        if label.endswith("(published)"):
            continue
        method = row_method(label)
        if method not in rows:
            raise ValueError(
                f"{where}: the row {label!r} has no stored results; remove "
                f"it, or merge its runs into the JSON")
        if method in shown:
            raise ValueError(f"{where}: two rows for {method!r}; keep one")
        shown.add(method)
        lines[n] = f"| {label} |" + rows[method].split("|", 2)[2]
    if set(rows) - shown:
        raise ValueError(
            f"{where}: no row for the stored method(s) "
            f"{sorted(set(rows) - shown)}; add a row `| NAME (what it is) |` "
            f"to the table and run this again")
    section = "\n".join(lines)
    # Per-seed lines may be indented (folded in a `??? note` block).
    for method in re.findall(r"^\s*Per seed, (\S+) \(", section, re.M):
        if method not in per_seed:
            raise ValueError(
                f"{where}: a per-seed line for {method!r}, which has no "
                f"stored results; remove it")
    for method, line in per_seed.items():
        pattern = re.compile(
            rf"^([ \t]*)Per seed, {re.escape(method)} \(.*$", re.M)
        found = len(pattern.findall(section))
        if found != 1:
            raise ValueError(
                f"{where}: {found} per-seed lines for {method!r}, expected "
                f"one (`Per seed, {method} (...`, after the table); add or "
                f"remove lines to leave one")
        section = pattern.sub(lambda m, line=line: m.group(1) + line,
                              section)
    return section


def refresh_page(page, mixtures=None, digits=None, images=None,
                 stability_map=None):
    """docs/benchmarks_details.md's text with every measured row and
    per-seed line rewritten from the stored results (any may be None: its
    tables are left as they are)."""
    stored = {"mixtures": mixtures, "digits": digits, "images": images,
              "stability_map": stability_map}
    for kind, key, start, end in DOC_SECTIONS:
        results = stored[kind]
        if results is None:
            continue
        if start not in page:
            raise ValueError(f"the page has no {start.strip()!r} section; "
                             f"update report.DOC_SECTIONS")
        i = page.index(start)
        j = page.find(end, i + len(start))
        j = len(page) if j < 0 else j
        if kind == "mixtures":
            table = mixtures_table(results, key)
            per_seed = {m: mixtures_per_seed(results, key, m)
                        for m in results[key]}
        elif kind == "stability_map":
            from benchmarks import stability_map as map_module

            table, per_seed = map_module.format_table(results), {}
        else:
            table, per_seed = digits_table(results, key), {}
        section = _refresh_section(page[i:j], f"{kind} table {key!r}", table,
                                   per_seed)
        page = page[:i] + section + page[j:]
    return page


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mixtures")
    parser.add_argument("--digits")
    parser.add_argument("--images")
    parser.add_argument("--stability-map")
    parser.add_argument("--conditional")
    parser.add_argument("--update-docs", metavar="PAGE",
                        help="rewrite the tables of this page in place")
    args = parser.parse_args(argv)
    if args.update_docs:
        stored = {}
        for kind in KINDS:
            if getattr(args, kind):
                with open(getattr(args, kind)) as f:
                    stored[kind] = json.load(f)
        if not stored:
            parser.error("--update-docs needs at least one of --mixtures, "
                         "--digits, --images, --stability-map: the JSON "
                         "files to take the rows from")
        with open(args.update_docs) as f:
            page = f.read()
        try:
            updated = refresh_page(page, **stored)
        except ValueError as error:
            raise SystemExit(f"{args.update_docs}: {error}") from None
        with open(args.update_docs, "w") as f:
            f.write(updated)
        print(f"{args.update_docs}: "
              f"{'up to date' if updated == page else 'updated'}")
        return 0
    if args.mixtures:
        with open(args.mixtures) as f:
            results = json.load(f)
        for dataset in [d for d in results if d != "protocol"]:
            print(f"\n**{dataset}**\n")
            print(mixtures_table(results, dataset))
            for method in results[dataset]:
                print("\n" + mixtures_per_seed(results, dataset, method))
            # The last 40% of the run: steps 15,000-25,000 in the protocol.
            after_step = int(0.6 * results["protocol"]["steps"])
            print()
            for method in results[dataset]:
                print(late_high_quality_line(results, dataset, method,
                                             after_step))
    if args.digits:
        with open(args.digits) as f:
            results = json.load(f)
        for variant in ("digits", "stacked"):
            if variant in results:
                print(f"\n**{variant}**\n")
                print(digits_table(results, variant))
    if args.images:
        with open(args.images) as f:
            results = json.load(f)
        for variant in [k for k in results if k.startswith("stacked")]:
            print(f"\n**{variant}**\n")
            print(digits_table(results, variant))
    if args.conditional:
        from benchmarks import conditional

        with open(args.conditional) as f:
            results = json.load(f)
        for dataset in [d for d in conditional.FIELDS if d in results]:
            print(f"\n**{dataset}**\n")
            print(conditional.markdown_table(results, dataset))
    if args.stability_map:
        from benchmarks import stability_map

        with open(args.stability_map) as f:
            print("\n**stability map** (cells that work, of 16)\n")
            print(stability_map.format_table(json.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

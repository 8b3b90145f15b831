"""Helpers shared by the benchmark scripts."""


def encode_8bit(images):
    """Images in [-1, 1] as 0-255 bytes, compressed and base64-encoded for
    the JSON: `{"shape": [...], "uint8_zlib_base64": "..."}` (a third to a
    sixth of the space of a nested list of integers, measured on the
    digits and image benchmarks' samples)."""
    import base64
    import zlib

    import numpy as np

    pixels = np.round((np.asarray(images) + 1) * 127.5).clip(0, 255).astype(
        np.uint8)
    return {"shape": list(pixels.shape), "uint8_zlib_base64": base64.b64encode(
        zlib.compress(pixels.tobytes(), 9)).decode("ascii")}


def decode_8bit(stored):
    """The uint8 array that `encode_8bit` stored; also reads the nested
    lists of 0-255 integers that older result files hold."""
    import base64
    import zlib

    import numpy as np

    if isinstance(stored, dict):
        data = zlib.decompress(base64.b64decode(stored["uint8_zlib_base64"]))
        return np.frombuffer(data, np.uint8).reshape(stored["shape"])
    return np.asarray(stored, np.uint8)


def summarize(runs, fields):
    """Mean and standard error over runs (seeds) of each field."""
    import numpy as np
    from scipy import stats

    summary = {}
    for field in fields:
        values = np.array([float(run[field]) for run in runs])
        sem = float(stats.sem(values)) if len(values) > 1 else 0.0
        summary[field] = {"mean": float(values.mean()), "sem": sem}
    return summary


def pool(pooled, entry, where, parallel=()):
    """Pools `entry`'s runs (one dict per seed, with a `"seed"`) into
    `pooled`, one method's entry of a merged result, in place.

    `parallel` names lists that hold one item per run (e.g. traces) and are
    pooled and ordered with the runs; the samples of the lowest seed are
    kept. Raises SystemExit naming `where` if a seed is in both.
    """
    repeated = ({run["seed"] for run in pooled["runs"]}
                & {run["seed"] for run in entry["runs"]})
    if repeated:
        raise SystemExit(f"{where} seeds {sorted(repeated)} are in two "
                         "files.")
    for key in ("runs", *parallel):
        pooled[key] = pooled[key] + entry[key]
    order = sorted(range(len(pooled["runs"])),
                   key=lambda i: pooled["runs"][i]["seed"])
    for key in ("runs", *parallel):
        pooled[key] = [pooled[key][i] for i in order]
    if "samples" in entry and (
            "samples" not in pooled
            or entry["samples_seed"] < pooled["samples_seed"]):
        pooled.update(samples=entry["samples"],
                      samples_seed=entry["samples_seed"])


def check_protocol(merged, part, path):
    """Sets `merged["protocol"]` from the first part merged; raises
    SystemExit if `part` (read from `path`) was run under another one (the
    number of seeds may differ)."""
    protocol = merged.setdefault("protocol", dict(part["protocol"]))
    if {k: v for k, v in protocol.items() if k != "seeds"} != {
            k: v for k, v in part["protocol"].items() if k != "seeds"}:
        raise SystemExit(f"{path} was run under another protocol: "
                         f"{part['protocol']} vs {protocol}")


def panels(count, width, height, columns=5):
    """A matplotlib figure of `count` panels of `width` x `height` inches,
    at most `columns` per row; returns `(figure, axes)` with one axis per
    panel (the unused ones hidden)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns,
                             figsize=(width * columns, height * rows),
                             squeeze=False)
    axes = list(axes.flat)
    for ax in axes[count:]:
        ax.axis("off")
    return fig, axes[:count]


def merge_requested(argv, merge):
    """Runs `merge(paths, output)` if `argv` asks for it (`--merge PATH ...
    [--output DIR]`) and returns its result; None otherwise."""
    import argparse

    if not argv or argv[0] != "--merge":
        return None
    parser = argparse.ArgumentParser()
    parser.add_argument("--merge", nargs="+", required=True)
    parser.add_argument("--output", default="runs/bench")
    args = parser.parse_args(argv)
    return merge(args.merge, args.output)

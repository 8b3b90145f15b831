"""Helpers shared by the benchmark scripts."""


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

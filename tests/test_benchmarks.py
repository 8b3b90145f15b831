"""Smoke test of the mixtures benchmark: a tiny run writes every field."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks import mixtures  # noqa: E402


def test_mixtures_benchmark_writes_every_field(tmp_path):
    mixtures.main(["--seeds", "2", "--steps", "40", "--eval-every", "20",
                   "--methods", "plain,manifold", "--output", str(tmp_path)])
    with open(tmp_path / "mixtures.json") as f:
        results = json.load(f)
    assert results["protocol"]["steps"] == 40
    for dataset in ("ring", "grid"):
        for method in ("plain", "manifold"):
            entry = results[dataset][method]
            assert len(entry["runs"]) == 2
            for run in entry["runs"]:
                assert set(run) == {*mixtures.FIELDS, "failed", "seconds"}
            assert [t["step"] for t in entry["traces"][0]] == [20, 40]
            for field in mixtures.FIELDS:
                assert set(entry["summary"][field]) == {"mean", "sem"}
            assert 0 <= entry["summary"]["failed_runs"] <= 2
        assert (tmp_path / f"mixtures_samples_{dataset}.png").stat().st_size
        assert (tmp_path / f"mixtures_trace_{dataset}.png").stat().st_size

import keras
import numpy as np
import pytest

import keras_aegan as kag


def as_floats(result):
    return {k: float(keras.ops.convert_to_numpy(v)) for k, v in result.items()}


def test_known_answers_on_hand_made_samples():
    _, centers = kag.datasets.ring(1, seed=0)  # 8 means on the unit circle
    std = 0.01
    # 30 HQ samples on mode 0, 10 HQ on mode 1, 10 far from everything
    # (nearest mode 2), nothing near modes 3..7.
    samples = np.concatenate([
        np.repeat(centers[:1], 30, axis=0) + 0.005,
        np.repeat(centers[1:2], 10, axis=0),
        np.repeat(centers[2:3] * 0.5, 10, axis=0),
    ])
    metric = kag.metrics.ModeCoverage(centers, std)
    # Streaming: two updates give the same as one.
    metric.update_state(None, samples[:17])
    metric.update_state(None, samples[17:])
    result = as_floats(metric.result())
    p = np.array([30, 10, 10]) / 50
    assert result["modes"] == 2
    assert result["modes_strict"] == 1
    np.testing.assert_allclose(result["high_quality"], 40 / 50, rtol=1e-6)
    np.testing.assert_allclose(result["reverse_kl"],
                               np.sum(p * np.log(8 * p)), rtol=1e-5)


def test_uniform_coverage_of_the_grid():
    x, centers = kag.datasets.grid(25 * 40, std=0.0, seed=0)
    metric = kag.metrics.ModeCoverage(centers, 0.05)
    x = np.repeat(centers, 40, axis=0)
    metric.update_state(x, x)
    result = as_floats(metric.result())
    assert result == {"modes": 25.0, "modes_strict": 25.0,
                      "high_quality": 1.0, "reverse_kl": pytest.approx(0.0,
                                                                      abs=1e-6)}
    metric.reset_state()
    assert as_floats(metric.result())["modes"] == 0


def test_collapse_to_one_mode():
    _, centers = kag.datasets.ring(1)
    metric = kag.metrics.ModeCoverage(centers, 0.01)
    metric.update_state(None, np.repeat(centers[3:4], 100, axis=0))
    result = as_floats(metric.result())
    assert result["modes"] == 1
    np.testing.assert_allclose(result["reverse_kl"], np.log(8), rtol=1e-6)


def test_config_and_bad_arguments():
    metric = kag.metrics.ModeCoverage([[0.0, 1.0]], 0.1, min_count=5)
    clone = kag.metrics.ModeCoverage.from_config(metric.get_config())
    assert clone.centers == [[0.0, 1.0]] and clone.min_count == 5
    with pytest.raises(ValueError, match="std"):
        kag.metrics.ModeCoverage([[0.0, 1.0]], 0.0)
    with pytest.raises(ValueError, match="centers"):
        kag.metrics.ModeCoverage([0.0, 1.0], 0.1)

"""Data-parallel training on each backend's own engine: 2 devices (or
processes) with global batch B give the same weights as 1 device with B."""

import os
import subprocess
import sys

import keras
import numpy as np

from keras_aegan.src.backend import distributed

WORKER = os.path.join(os.path.dirname(__file__), "workers",
                      "data_parallel.py")


def test_two_replicas_match_one_device_with_the_same_global_batch(tmp_path):
    output = tmp_path / "weights.npz"
    result = subprocess.run(
        [sys.executable, WORKER, str(output)],
        env=dict(os.environ, KERAS_BACKEND=keras.backend.backend()),
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = np.load(output)
    count = len(saved.files) // 2
    # Every network's weights and all optimizer state (the worker also
    # checks that both runs took their steps with finite losses).
    assert count > 50
    for i in range(count):
        np.testing.assert_allclose(saved[f"parallel/{i}"],
                                   saved[f"single/{i}"], atol=1e-5,
                                   err_msg=f"variable {i}")


def test_one_process_is_one_replica():
    assert distributed.replica_context() == (1, 0)
    values = [keras.ops.ones((2,))]
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(distributed.all_reduce_mean(values)[0]),
        [1.0, 1.0])

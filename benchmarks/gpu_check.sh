#!/usr/bin/env bash
# GPU check for an NVIDIA machine that has PyTorch and JAX (CUDA builds),
# pytest, scikit-learn and matplotlib but not Keras, in one command that
# fits a 10-minute window (BUDGET seconds, default 560; each part gets a
# time limit and is skipped, with a line saying so, when the budget is
# spent):
#   1. the engine tests on JAX (TEST_BACKENDS="jax torch" for more);
#   2. per backend (BACKENDS, default "jax torch tensorflow"; TensorFlow
#      only where the machine's TensorFlow sees a GPU, otherwise a line
#      says it was not measured): benchmarks/step_cost.py with the tiny,
#      B1 MLP, DCGAN and keras-io cases (the keras-io GAN recipe beside
#      plain StabilizedGAN and compile()'s default) and steps_per_execution=8;
#   3. per backend: benchmarks/soak.py (peak host and device memory of the
#      default vs plain, resident memory over SOAK_STEPS steps);
#   4. with IMAGES=1 only: the 32x32 image benchmark on JAX.
# Prints every figure and writes them to $OUT (default runs/gpu_check).
#
# Keras and the small dependencies such images lack (namex, optree, psutil)
# travel as wheels: `make gpu-wheels` fills ./.whl for Python 3.12 on
# x86-64 Linux (set GPU_PYTHON_VERSION for another). Copy that folder to
# the GPU machine with the repository, then: bash benchmarks/gpu_check.sh
# A dry run of the script's flow on a machine without a GPU, with the Keras
# already installed there: REQUIRE_GPU=0 PYTHON=.venv/bin/python BUDGET=120
# SOAK_STEPS=500 STEP_CASES=tiny bash benchmarks/gpu_check.sh (CPU figures).
set -uo pipefail
cd "$(dirname "$0")/.."
WHEELS=${WHEELS:-.whl}
OUT=${OUT:-runs/gpu_check}
PYTHON=${PYTHON:-python3}
BUDGET=${BUDGET:-560}
mkdir -p "$OUT"
start=$(date +%s)

export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
# JAX and torch share the GPU inside step_cost.py (the torch.nn baseline).
export XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=3
if [ "${REQUIRE_GPU:-1}" != 0 ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
    | tee "$OUT/gpu.txt"
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile \
    --no-cache-dir --upgrade --target /tmp/keras_site "$WHEELS"/*.whl || {
    echo "Could not install the wheels in $WHEELS: run 'make gpu-wheels'" \
      "first."
    exit 1
  }
  export PYTHONPATH=/tmp/keras_site:$PWD
  # Keras must see the GPU: fail loudly rather than time the CPU.
  KERAS_BACKEND=jax "$PYTHON" -c "import jax, keras; d = jax.devices(); \
    print('keras', keras.__version__, 'jax', jax.__version__, d); \
    assert d[0].platform == 'gpu', 'JAX sees no GPU'" || exit 1
  KERAS_BACKEND=torch "$PYTHON" -c "import torch, keras; \
    print('torch', torch.__version__, torch.cuda.get_device_name(0)); \
    assert keras.ops.ones(1).device.type == 'cuda', 'Keras is not on cuda'" \
    || exit 1
fi

status=0
# `part LIMIT NAME COMMAND...`: runs COMMAND under `timeout` with at most
# LIMIT seconds (less when the budget is nearly spent), its output to the
# screen and to $OUT/NAME.txt.
part() {
  local limit=$1 name=$2 left
  shift 2
  left=$(( BUDGET - ($(date +%s) - start) ))
  if [ "$left" -lt 20 ]; then
    echo "=== $name: skipped, the ${BUDGET}s budget is spent" \
      | tee "$OUT/$name.txt"
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "=== $name (at most ${limit}s) ==="
  timeout "$limit" "$@" 2>&1 | tee "$OUT/$name.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}

for backend in ${TEST_BACKENDS-jax}; do
  part 100 "tests_$backend" env KERAS_BACKEND="$backend" "$PYTHON" \
    -m pytest -q \
    -x -p no:cacheprovider tests/test_stabilized_gan.py tests/test_saving.py \
    -k "not another_backend"
done
measured=()
for backend in ${BACKENDS:-jax torch tensorflow}; do
  if [ "$backend" = tensorflow ] && [ "${REQUIRE_GPU:-1}" != 0 ] \
      && ! "$PYTHON" -c "import tensorflow as tf; \
      assert tf.config.list_physical_devices('GPU')" >/dev/null 2>&1; then
    echo "=== tensorflow: not measured (no TensorFlow with GPU support on" \
      "this machine)" | tee "$OUT/step_cost_tensorflow.txt"
    continue
  fi
  measured+=("$backend")
  part 150 "step_cost_$backend" env KERAS_BACKEND="$backend" "$PYTHON" \
    benchmarks/step_cost.py --cases "${STEP_CASES:-tiny,mlp,dcgan32,kerasio}" \
    --rounds 3 \
    --steps-per-execution 8 --output "$OUT"
done
for backend in "${measured[@]}"; do
  part 60 "soak_$backend" env KERAS_BACKEND="$backend" "$PYTHON" \
    benchmarks/soak.py --steps "${SOAK_STEPS:-5000}" --sample-every 250 \
    --output "$OUT"
done
if [ "${IMAGES:-0}" != 0 ]; then
  part "${IMAGE_TIMEOUT:-600}" images env KERAS_BACKEND=jax "$PYTHON" \
    benchmarks/images.py --image-size 32 --seeds "${IMAGE_SEEDS:-2}" \
    --steps "${IMAGE_STEPS:-3000}" \
    --methods "${IMAGE_METHODS:-plain,recommended,r3gan}" --output "$OUT"
fi
echo "gpu_check finished in $(( $(date +%s) - start ))s, status $status"
exit $status

#!/usr/bin/env bash
# GPU check for an NVIDIA machine that has PyTorch, JAX (CUDA builds),
# pytest, scikit-learn and matplotlib but not Keras: the engine tests and
# benchmarks/step_cost.py under the JAX and torch backends (under 8
# minutes), then the 32x32 image benchmark (benchmarks/images.py) on JAX:
# IMAGE_SEEDS seeds x IMAGE_STEPS steps of IMAGE_METHODS (IMAGES=0 skips
# it). Prints every figure and writes them to $OUT (default
# runs/gpu_check).
#
# Keras and the two small dependencies such images lack (namex, optree)
# travel as wheels: `make gpu-wheels` fills ./.whl for Python 3.12 on
# x86-64 Linux (set GPU_PYTHON_VERSION for another). Copy that folder to
# the GPU machine with the repository, then: bash benchmarks/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
WHEELS=${WHEELS:-.whl}
OUT=${OUT:-runs/gpu_check}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
start=$(date +%s)

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
  | tee "$OUT/gpu.txt"
"$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
  --upgrade --target /tmp/keras_site "$WHEELS"/*.whl || {
  echo "Could not install the wheels in $WHEELS: run 'make gpu-wheels' first."
  exit 1
}
export PYTHONPATH=/tmp/keras_site:$PWD PYTHONUNBUFFERED=1
# JAX and torch share the GPU inside step_cost.py (the torch.nn baseline).
export XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=3
# Keras must see the GPU: fail loudly rather than time the CPU.
KERAS_BACKEND=jax "$PYTHON" -c "import jax, keras; d = jax.devices(); \
  print('keras', keras.__version__, 'jax', jax.__version__, d); \
  assert d[0].platform == 'gpu', 'JAX sees no GPU'" || exit 1
KERAS_BACKEND=torch "$PYTHON" -c "import torch, keras; \
  print('torch', torch.__version__, torch.cuda.get_device_name(0)); \
  assert keras.ops.ones(1).device.type == 'cuda', 'Keras is not on cuda'" \
  || exit 1

status=0
# BACKENDS="jax" / TEST_BACKENDS="" narrow a rerun.
for backend in ${BACKENDS:-jax torch}; do
  if [[ " ${TEST_BACKENDS-jax torch} " == *" $backend "* ]]; then
  echo "=== $backend: engine tests ==="
  KERAS_BACKEND=$backend timeout 150 "$PYTHON" -m pytest -q -x \
    -p no:cacheprovider tests/test_stabilized_gan.py tests/test_saving.py \
    -k "not another_backend" \
    2>&1 | tail -n 5 | tee "$OUT/tests_$backend.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  fi
  echo "=== $backend: step cost ==="
  KERAS_BACKEND=$backend timeout 180 "$PYTHON" benchmarks/step_cost.py \
    --rounds 3 --output "$OUT" 2>&1 | tee "$OUT/step_cost_$backend.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
if [ "${IMAGES:-1}" != 0 ]; then
  echo "=== jax: images (stacked digits, 32x32x3, DCGAN) ==="
  KERAS_BACKEND=jax timeout "${IMAGE_TIMEOUT:-600}" "$PYTHON" \
    benchmarks/images.py --image-size 32 --seeds "${IMAGE_SEEDS:-2}" \
    --steps "${IMAGE_STEPS:-3000}" \
    --methods "${IMAGE_METHODS:-plain,recommended,r3gan}" --output "$OUT" \
    2>&1 | tee "$OUT/images.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi
echo "gpu_check finished in $(( $(date +%s) - start ))s, status $status"
exit $status

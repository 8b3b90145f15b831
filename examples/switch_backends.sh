#!/usr/bin/env bash
# The same script under TensorFlow, JAX and PyTorch, then a model saved
# under one backend loaded under another.
#
# Keras picks its backend from KERAS_BACKEND when it is first imported, so
# switching is one environment variable; keras_aegan itself uses only
# keras.ops. Run from the repository root:
#     bash examples/switch_backends.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
OUT=runs/switch_backends

for backend in tensorflow jax torch; do
  echo "=== KERAS_BACKEND=$backend"
  KERAS_BACKEND=$backend "$PYTHON" examples/digits_quickstart.py "$@" \
    --output "$OUT/$backend"
done

# A .keras file is backend-independent: load the JAX run's model under
# PyTorch and sample from it.
echo "=== the JAX model under KERAS_BACKEND=torch"
KERAS_BACKEND=torch "$PYTHON" - "$OUT/jax/model.keras" <<'PY'
import sys

import keras
import keras_aegan as kag

gan = kag.saving.load_model(sys.argv[1])
print(f"loaded {sys.argv[1]} under {keras.backend.backend()}:",
      gan.generate(4, seed=0).shape)
PY

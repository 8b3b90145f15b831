"""Smoke check run in an environment with Keras and ONE backend installed.

`make import-check` builds such an environment (Keras + JAX only, no
TensorFlow, no PyTorch) and runs this file: `import keras_aegan` and a tiny
`fit` must work without the other backends.
"""

import importlib.util

import keras
import numpy as np

import keras_aegan as kag

backend = keras.backend.backend()
others = [m for m in ("tensorflow", "torch", "jax") if m != backend]
installed = [m for m in others if importlib.util.find_spec(m) is not None]
if installed:
    raise SystemExit(f"Not a one-backend environment: {installed} installed.")

x, _ = kag.datasets.ring(256, seed=0)
nets = kag.models.mlp_gan(2, 4, hidden_units=(8,))
gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
gan.compile(consistency_loss=["manifold", "latent"])
history = gan.fit(x, batch_size=128, epochs=1, verbose=0)
assert np.isfinite(history.history["g_loss"][0])
print(f"import check passed: keras_aegan trains with only {backend} installed")

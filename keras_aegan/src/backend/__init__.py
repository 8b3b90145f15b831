"""Backend-specific pieces of the GAN trainer, chosen once at import time.

Each backend package has the same three modules. `trainer.py` defines
`GANTrainer`, a mixin with `train_step`, `test_step` (in the signature that
backend's Keras trainer calls) and `_minimize(loss_fn, variables, optimizer)`,
which computes the gradients of `loss_fn()` with respect to `variables` and
applies them with `optimizer`. The training algorithm itself lives once, in
`keras.ops`, in `keras_aegan/src/trainers/gan_trainer.py`. `gradients.py`
defines `input_gradients(fn, inputs, variables)`, the differentiable gradient
of `sum(fn(inputs))` with respect to `inputs` that the gradient penalties
need, and `COMPILES_DOUBLE_BACKWARD`, whether the compiled step can hold it.
`distributed.py` says how the step runs on several replicas
(`replica_context`, `all_reduce_mean`, `xla_compatible`,
`unscale_keras_loss`; TensorFlow's also `scale_for_gradient_sum` and
PyTorch's `reduce_gradients`, called by their own trainers; see
docs/distributed.md) and how it is compiled by default (`xla_by_default`,
what `jit_compile="auto"` resolves to). The Keras internals the JAX
trainer relies on live in `jax/keras_compat.py`. The `data.py` modules of
TensorFlow and PyTorch read the first batch of their datasets for the data
checks, under any backend.
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_aegan.src.backend.tensorflow import distributed
    from keras_aegan.src.backend.tensorflow.gradients import (
        COMPILES_DOUBLE_BACKWARD,
    )
    from keras_aegan.src.backend.tensorflow.gradients import input_gradients
    from keras_aegan.src.backend.tensorflow.trainer import GANTrainer
elif _BACKEND == "jax":
    from keras_aegan.src.backend.jax import distributed
    from keras_aegan.src.backend.jax.gradients import COMPILES_DOUBLE_BACKWARD
    from keras_aegan.src.backend.jax.gradients import input_gradients
    from keras_aegan.src.backend.jax.trainer import GANTrainer
elif _BACKEND == "torch":
    from keras_aegan.src.backend.torch import distributed
    from keras_aegan.src.backend.torch.gradients import COMPILES_DOUBLE_BACKWARD
    from keras_aegan.src.backend.torch.gradients import input_gradients
    from keras_aegan.src.backend.torch.trainer import GANTrainer
else:
    raise ImportError(
        f"keras_aegan supports the 'tensorflow', 'jax' and 'torch' Keras "
        f"backends; KERAS_BACKEND is {_BACKEND!r}. Set KERAS_BACKEND to one "
        "of those."
    )

__all__ = ["COMPILES_DOUBLE_BACKWARD", "GANTrainer", "distributed",
           "input_gradients"]

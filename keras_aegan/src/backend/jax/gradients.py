"""JAX: input gradients with `jax.grad` inside the stateless step."""

import jax
import jax.numpy as jnp
import keras

# Whether the compiled step (`jit_compile=True`) can hold input gradients.
COMPILES_DOUBLE_BACKWARD = True

def input_gradients(fn, inputs, variables):
    """Gradient of `sum(fn(inputs))` with respect to `inputs`.

    Runs inside the training step's stateless scope, whose values of
    `variables` (those `fn` reads) are the traced values being
    differentiated; `jax.grad` nests in the step's `jax.value_and_grad`, so
    the result stays differentiable (double backpropagation). `fn` runs in
    a scope of its own over those values: state it updates (batch-norm
    statistics, dropout seeds) stays inside `jax.grad` instead of leaking
    its tracers into the step.
    """
    mapping = [(v, v.value) for v in variables]

    def total(x):
        with keras.StatelessScope(state_mapping=mapping):
            return jnp.sum(fn(x))

    return jax.grad(total)(inputs)

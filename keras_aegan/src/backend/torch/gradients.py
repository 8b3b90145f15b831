"""PyTorch: input gradients with `torch.autograd.grad(create_graph=True)`."""

import torch

# torch.compile (`jit_compile=True`) cannot differentiate twice: its
# aot_autograd raises "does not currently support double backward".
COMPILES_DOUBLE_BACKWARD = False

def input_gradients(fn, inputs, variables):
    """Gradient of `sum(fn(inputs))` with respect to `inputs`.

    `create_graph=True` keeps the result differentiable, so a penalty on it
    trains the network (double backpropagation); grad mode is switched on
    even inside `evaluate` (which runs under `torch.no_grad`). `variables`
    is unused here (autograd reads the parameters directly).
    """
    del variables
    with torch.enable_grad():
        inputs = inputs.detach().requires_grad_(True)
        total = torch.sum(fn(inputs))
        (grads,) = torch.autograd.grad(total, inputs, create_graph=True)
    return grads

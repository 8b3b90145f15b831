"""Hand-written GAN training steps that `step_cost.py` measures us against.

One module per backend (keras-io style: the minimal step a Keras user would
write by hand), plus `torch_nn_gan.py`, a plain PyTorch (`torch.nn` +
`torch.optim`) loop. Each exposes `make_step(...)` returning an object with
`step(x)` (one discriminator and one generator update on the NumPy batch
`x`, non-saturating loss) and `sync()` (waits for queued device work).
"""

import importlib


def handwritten_step(backend, generator, discriminator, generator_optimizer,
                     discriminator_optimizer, latent_dim, seed=0):
    """The hand-written Keras step for `backend`."""
    module = importlib.import_module(
        f"benchmarks.baselines.{backend}_gan_step")
    return module.make_step(generator, discriminator, generator_optimizer,
                            discriminator_optimizer, latent_dim, seed)

"""The Keras JAX trainer internals the GAN engine cannot avoid.

Each override names the Keras behaviour it works around;
`check_keras_internals()` checks that those internals are still what the
overrides expect, and a test calls it, so a Keras release that changes them
fails loudly instead of silently changing the behaviour.
"""

import inspect

from keras.src.backend.jax.trainer import JAXTrainer

_STATE_NAMES = ("trainable_variables", "non_trainable_variables",
                "optimizer_variables", "metrics_variables")


class KerasCompat:
    """Mixed into the JAX `GANTrainer`, ahead of Keras' `JAXTrainer`."""

    def __setattr__(self, name, value):
        if name == "_jax_state":
            # Keras' JAX fit loop stores the whole training state in
            # `self._jax_state` after every step. Layer.__setattr__ would
            # wrap the dict for tracking and inspect every array in it
            # (about half the per-step host time of a small model); the
            # arrays hold no Keras objects to track, so store the dict as is.
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    def _get_jax_state(self, trainable_variables=False,
                       non_trainable_variables=False,
                       optimizer_variables=False, metrics_variables=False,
                       purge_model_variables=False):
        flags = dict(trainable_variables=trainable_variables,
                     non_trainable_variables=non_trainable_variables,
                     optimizer_variables=optimizer_variables,
                     metrics_variables=metrics_variables)
        state = super()._get_jax_state(
            purge_model_variables=purge_model_variables, **flags)
        if purge_model_variables and not getattr(self, "_jax_state", None):
            # Keras empties the variables here and stores the new state in
            # `_jax_state` only after a step succeeds; when the first step
            # fails (an error while tracing it, e.g. a batch a layer cannot
            # take), its `finally: jax_state_sync()` has nothing to put
            # back and the model loses every weight. Keep the values to put
            # back (docs/design.md, "Keras internals").
            names = [name for name in _STATE_NAMES if flags[name]]
            self._jax_state = dict(zip(names, state, strict=True))
        return state


def check_keras_internals():
    """Raises `AssertionError` naming what changed when Keras' JAX trainer
    no longer works the way `KerasCompat` expects."""
    parameters = list(inspect.signature(JAXTrainer._get_jax_state).parameters)
    expected = ["self", *_STATE_NAMES, "purge_model_variables"]
    assert parameters == expected, (
        "keras JAXTrainer._get_jax_state changed its parameters to "
        f"{parameters} (expected {expected}); review "
        "keras_aegan/src/backend/jax/keras_compat.py.")
    source = inspect.getsource(JAXTrainer.fit)
    assert "self._jax_state = {" in source and "jax_state_sync" in \
        inspect.getsource(JAXTrainer), (
            "keras JAXTrainer.fit no longer stores the state in "
            "`self._jax_state` / syncs it with `jax_state_sync()`; review "
            "keras_aegan/src/backend/jax/keras_compat.py.")
    sync = inspect.getsource(JAXTrainer.jax_state_sync)
    for name in _STATE_NAMES:
        assert f'"{name}"' in sync, (
            f"keras JAXTrainer.jax_state_sync no longer reads {name!r} from "
            "`_jax_state`; review keras_aegan/src/backend/jax/keras_compat.py.")

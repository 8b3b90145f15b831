"""JAX: a pure step over the trainer's state.

Keras' JAX trainer calls `train_step(state, data)` inside `jax.jit`, with the
values of `model.trainable_variables`, `model.non_trainable_variables`,
`model.optimizer.variables` (all member optimizers of the GAN's
`OptimizerGroup`) and `model.metrics_variables`. The step opens one
`keras.StatelessScope` over that state, runs the backend-agnostic algorithm,
and reads the new values back from the scope. Each network update is
`jax.value_and_grad` of its loss with respect to that network's values,
followed by the member optimizer's `stateless_apply`.
"""

import jax
import keras

from keras_aegan.src.backend.jax.keras_compat import KerasCompat


class GANTrainer(KerasCompat):
    def _state_groups(self, with_optimizer):
        groups = [self.trainable_variables, self.non_trainable_variables]
        if with_optimizer:
            groups.append(self.optimizer.variables)
        groups.append(self.metrics_variables)
        return groups

    def _stateless_gan_step(self, state, data, training):
        groups = self._state_groups(with_optimizer=training)
        mapping = [
            pair
            for variables, values in zip(groups, state, strict=True)
            for pair in zip(variables, values, strict=True)
        ]
        # collect_losses: add_loss() terms of the networks (e.g. a
        # ReconstructionConsistency layer) are visible in `network.losses`.
        with keras.StatelessScope(state_mapping=mapping,
                                  collect_losses=True) as scope:
            logs = self._gan_step(data, training=training)
        new_state = tuple(
            [scope.get_current_value(v) for v in variables]
            for variables in groups
        )
        return logs, new_state

    def train_step(self, state, data):
        return self._stateless_gan_step(state, data, training=True)

    def test_step(self, state, data):
        return self._stateless_gan_step(state, data, training=False)

    def _minimize(self, loss_fn, variables, optimizer):
        variables = list(variables)
        own = {id(v) for v in variables}
        others = [v for v in self.variables if id(v) not in own]
        # Current values, read from the enclosing stateless scope.
        other_values = [v.value for v in others]
        values = [v.value for v in variables]
        updatable = [v for v in others if not v.trainable]

        def compute(values):
            mapping = list(zip(variables, values, strict=True))
            mapping += list(zip(others, other_values, strict=True))
            with keras.StatelessScope(state_mapping=mapping,
                                      collect_losses=True) as scope:
                loss, aux = loss_fn()
            # e.g. seed generators of dropout layers, batch-norm statistics
            updates = [scope.get_current_value(v) for v in updatable]
            # scale_loss: see the TensorFlow trainer.
            return optimizer.scale_loss(loss), (loss, aux, updates)

        (_, (loss, aux, updates)), grads = jax.value_and_grad(
            compute, has_aux=True
        )(values)
        for variable, value in zip(updatable, updates, strict=True):
            variable.assign(value)
        new_values, new_optimizer_values = optimizer.stateless_apply(
            [v.value for v in optimizer.variables], grads, values
        )
        for variable, value in zip(variables, new_values, strict=True):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, new_optimizer_values,
                                   strict=True):
            variable.assign(value)
        return loss, aux

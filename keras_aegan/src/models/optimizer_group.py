"""One Keras optimizer that owns the optimizers of a GAN's networks."""

import keras


class OptimizerGroup(keras.optimizers.Optimizer):
    """Holds one optimizer per network group, as a single Keras optimizer.

    Keras' trainers know one `model.optimizer`: its `variables` are what the
    JAX trainer carries through its stateless step, what `save`,
    `save_weights` and `BackupAndRestore` write, and what `compile_from_config`
    builds on load. This container's `variables` are those of all its
    members, so every member's state travels with the model; it has no state
    of its own (the counter and learning rate the base class makes are not
    among its `variables`, nor saved).

    It never applies gradients itself: `StabilizedGAN` applies each group's
    gradients with that group's member optimizer. It is made by
    `StabilizedGAN.compile()` and not serialized on its own: the model's
    compile config holds each member optimizer.

    Args:
        members: dict mapping a group name to `(optimizer, variables)`, the
            variables the optimizer updates, in a fixed order.
    """

    def __init__(self, members, name="gan_optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self._member_names = list(members)
        for key, (optimizer, _) in members.items():
            setattr(self, f"{key}_optimizer", optimizer)
        self._member_variables = {k: list(v) for k, (_, v) in members.items()}

    @property
    def members(self):
        return {k: getattr(self, f"{k}_optimizer") for k in self._member_names}

    def member_variables(self, key):
        """The variables that member `key` updates, in its build order."""
        return list(self._member_variables[key])

    def build(self, var_list=None):
        for key, optimizer in self.members.items():
            if not optimizer.built:
                optimizer.build(self.member_variables(key))
        self.built = True

    @property
    def variables(self):
        return [v for optimizer in self.members.values()
                for v in optimizer.variables]

    @property
    def iterations(self):
        # One generator update per GAN step: that is the step count
        # callbacks (TensorBoard, schedules) expect.
        return self.members[self._member_names[0]].iterations

    @property
    def learning_rate(self):
        return self.members[self._member_names[0]].learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        names = ", ".join(f"gan.{k}_optimizer" for k in self._member_names)
        raise AttributeError(
            "StabilizedGAN trains several networks with their own optimizers, "
            "so `model.optimizer.learning_rate` cannot be set as a whole. "
            f"Set the learning rate on one of {names} instead."
        )

    def apply(self, grads, trainable_variables=None):
        raise NotImplementedError(
            "OptimizerGroup does not apply gradients itself; apply them with "
            "one of its member optimizers (e.g. gan.generator_optimizer)."
        )

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        raise NotImplementedError(
            "OptimizerGroup does not apply gradients itself; use the "
            "stateless_apply of one of its member optimizers."
        )

    def save_own_variables(self, store):
        # No state of its own: members save theirs under their own names.
        pass

    def load_own_variables(self, store):
        pass

    def get_config(self):
        raise NotImplementedError(
            "OptimizerGroup is made by StabilizedGAN.compile() and is not "
            "serialized on its own; gan.get_compile_config() holds each "
            "member optimizer (generator_optimizer, discriminator_optimizer, "
            "autoencoder_optimizer)."
        )

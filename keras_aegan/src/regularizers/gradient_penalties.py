"""Gradient penalties on the discriminator: zero-centered (R1, R2) and WGAN-GP.

Each penalizes the gradient of the discriminator's output with respect to its
input, which each backend computes its own way
(`keras_aegan.src.backend.input_gradients`); the penalty itself is written
once in `keras.ops`.
"""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register
from keras_aegan.src.backend import input_gradients


class InputGradientPenalty:
    """Base class: a penalty on `∇_x D(x)` at points made from a batch.

    Subclasses implement `points(real, fake, seed)` (where to take the
    gradient: one batch of points, or a tuple of batches whose penalties
    are added) and `penalty_from_gradients(gradients)` (a scalar); the
    input gradients themselves are taken the native way on each backend.

    Example: a penalty at the midpoints between real and generated
    samples:

    >>> import keras
    >>> import numpy as np
    >>> from keras import ops
    >>> import keras_aegan as kag
    >>> class MidpointPenalty(kag.regularizers.InputGradientPenalty):
    ...     weight_name = "gamma"
    ...     def points(self, real, fake, seed=None):
    ...         return 0.5 * (real + fake)
    ...     def penalty_from_gradients(self, gradients):
    ...         return 0.5 * self.gamma * ops.mean(
    ...             ops.sum(ops.square(gradients), axis=-1))
    >>> disc = keras.Sequential([keras.Input((2,)),
    ...                          keras.layers.Dense(1, use_bias=False)])
    >>> disc.set_weights([np.array([[3.0], [4.0]], "float32")])
    >>> x = np.zeros((4, 2), "float32")
    >>> float(ops.convert_to_numpy(MidpointPenalty(1.0)(disc, x, x)))
    12.5
    """

    # Name of the weight argument, for messages and get_config.
    weight_name = "weight"
    # Lazy regularization's interval (see __call__); also for subclasses
    # whose __init__ does not call this one.
    every = 1

    def __init__(self, weight, every=1):
        name = type(self).__name__
        setattr(self, self.weight_name, validation.check_number(
            name, self.weight_name, weight, 0))
        self.every = validation.check_positive_int(name, "every", every)

    def points(self, real, fake, seed=None):
        raise NotImplementedError

    def penalty_from_gradients(self, gradients):
        raise NotImplementedError

    def penalty_at(self, discriminator, points, training=True):
        """The penalty of `discriminator` for gradients taken at `points`."""
        gradients = input_gradients(
            lambda x: discriminator(x, training=training),
            ops.convert_to_tensor(points),
            discriminator.variables)
        return self.penalty_from_gradients(gradients)

    def __call__(self, discriminator, real, fake, seed=None, training=True,
                 step=None):
        """The penalty for one batch of real and (detached) fake samples.

        `step` is the discriminator's update count (`StabilizedGAN` passes
        its optimizer's `iterations`). With `every=k > 1` the penalty is
        only computed when `step % k == 0`, times `k`, and is 0 at the
        other steps: lazy regularization (Karras et al. 2020), the same
        strength on average for about `1/k` of the cost. Without `step`
        (a direct call) it is always computed, not scaled.
        """
        real = ops.convert_to_tensor(real)
        fake = ops.stop_gradient(ops.convert_to_tensor(fake))
        # Outside the conditional below: drawing random points advances the
        # seed, which must happen at every step on every backend.
        points = self.points(real, fake, seed)
        batches = points if isinstance(points, tuple | list) else (points,)

        def penalty():
            # One discriminator call per batch of points: a discriminator
            # with batch statistics sees real and generated samples apart,
            # as in its loss.
            penalties = [self.penalty_at(discriminator, batch,
                                         training=training)
                         for batch in batches]
            return sum(penalties[1:], penalties[0])

        if self.every == 1 or step is None:
            return penalty()
        return ops.cond(
            ops.equal(ops.mod(step, self.every), 0),
            lambda: ops.cast(penalty(), "float32") * float(self.every),
            lambda: ops.zeros((), "float32"))

    def get_config(self):
        return {self.weight_name: getattr(self, self.weight_name),
                "every": self.every}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}"
                              for name, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def _squared_norms(gradients):
    axes = tuple(range(1, len(gradients.shape)))
    return ops.sum(ops.square(gradients), axis=axes)


@register
class ZeroCenteredGradientPenalty(InputGradientPenalty):
    """Zero-centered gradient penalties on real and/or generated samples.

    Adds `gamma / 2 * E[||∇_x D(x)||²]` over the real samples (R1,
    Mescheder et al. 2018) and/or over the generated ones (R2), to the
    discriminator's loss. R1 makes the discriminator flat on the data,
    which makes simultaneous gradient descent converge locally; R1 and R2
    together, with the relativistic pairing loss (`adversarial_loss=
    "rpgan"`), are the R3GAN objective (Huang et al. 2024). Each set is
    penalized in its own discriminator call. `StabilizedGAN` logs the sum
    as `gp_loss`.

    Args:
        gamma: float >= 0, the weight of each penalty (10 is common for
            images, around 0.1 to 1 for low-dimensional data).
        real: bool, penalize on the real samples (R1). Default True.
        fake: bool, penalize on the generated samples (R2). Default True.
        every: int >= 1. Lazy regularization (Karras et al. 2020): the
            penalty is computed at every `every`-th discriminator step only,
            times `every`; 1 (the default) computes it at each step.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> disc = keras.Sequential([keras.Input((2,)),
    ...                          keras.layers.Dense(1, use_bias=False)])
    >>> disc.set_weights([np.array([[3.0], [4.0]], "float32")])
    >>> r1_r2 = kag.regularizers.ZeroCenteredGradientPenalty(gamma=2.0)
    >>> x = np.zeros((4, 2), "float32")
    >>> penalty = r1_r2(disc, x, x)  # 2 * gamma / 2 * ||(3, 4)||²
    >>> float(keras.ops.convert_to_numpy(penalty))
    50.0
    """

    weight_name = "gamma"
    # Whether `real` and `fake` are arguments (False for R1Penalty and
    # R2Penalty, which fix them): what get_config records.
    configurable_sets = True

    def __init__(self, gamma=10.0, real=True, fake=True, every=1):
        super().__init__(gamma, every=every)
        name = type(self).__name__
        self.real = validation.check_bool(name, "real", real)
        self.fake = validation.check_bool(name, "fake", fake)
        if not (self.real or self.fake):
            raise ValueError(
                f"{name} needs real=True, fake=True or both; got real=False "
                "and fake=False, which would penalize nothing. Pass "
                "gradient_penalty=None to compile() for no penalty.")

    def points(self, real, fake, seed=None):
        return tuple(batch for batch, used in ((real, self.real),
                                                (fake, self.fake)) if used)

    def penalty_from_gradients(self, gradients):
        return 0.5 * self.gamma * ops.mean(_squared_norms(gradients))

    def get_config(self):
        config = {"gamma": self.gamma}
        if self.configurable_sets:
            config.update(real=self.real, fake=self.fake)
        config["every"] = self.every
        return config


@register
class R1Penalty(ZeroCenteredGradientPenalty):
    """R1 regularization of the discriminator (Mescheder et al. 2018).

    Adds `gamma / 2 * E_x[||∇_x D(x)||²]` over real samples to the
    discriminator's loss: the discriminator is pushed to be flat on the
    data, which makes simultaneous gradient descent converge locally.
    `ZeroCenteredGradientPenalty(gamma, real=True, fake=False)`.
    `StabilizedGAN` logs it as `gp_loss`.

    Args:
        gamma: float >= 0, the penalty's weight (10 is common for images,
            around 0.1 to 1 for low-dimensional data).
        every: int >= 1. Lazy regularization (Karras et al. 2020): the
            penalty is computed at every `every`-th discriminator step only,
            times `every`; 1 (the default) computes it at each step.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> disc = keras.Sequential([keras.Input((2,)),
    ...                          keras.layers.Dense(1, use_bias=False)])
    >>> disc.set_weights([np.array([[3.0], [4.0]], "float32")])
    >>> r1 = kag.regularizers.R1Penalty(gamma=2.0)
    >>> x = np.zeros((4, 2), "float32")
    >>> penalty = r1(disc, x, x)  # gamma / 2 * ||(3, 4)||²
    >>> float(keras.ops.convert_to_numpy(penalty))
    25.0
    """

    configurable_sets = False

    def __init__(self, gamma=10.0, every=1):
        super().__init__(gamma, real=True, fake=False, every=every)


@register
class R2Penalty(ZeroCenteredGradientPenalty):
    """R2 regularization: R1's penalty on the generated samples.

    Adds `gamma / 2 * E_z[||∇ D(G(z))||²]` (the gradient with respect to
    the discriminator's input, at the detached generated samples) to the
    discriminator's loss. `ZeroCenteredGradientPenalty(gamma, real=False,
    fake=True)`; use `ZeroCenteredGradientPenalty(gamma)` for R1 and R2
    together. `StabilizedGAN` logs it as `gp_loss`.

    Args:
        gamma: float >= 0, the penalty's weight.
        every: int >= 1. Lazy regularization (Karras et al. 2020): the
            penalty is computed at every `every`-th discriminator step only,
            times `every`; 1 (the default) computes it at each step.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> disc = keras.Sequential([keras.Input((2,)),
    ...                          keras.layers.Dense(1, use_bias=False)])
    >>> disc.set_weights([np.array([[3.0], [4.0]], "float32")])
    >>> r2 = kag.regularizers.R2Penalty(gamma=2.0)
    >>> x = np.zeros((4, 2), "float32")
    >>> float(keras.ops.convert_to_numpy(r2(disc, x, x)))
    25.0
    """

    configurable_sets = False

    def __init__(self, gamma=10.0, every=1):
        super().__init__(gamma, real=False, fake=True, every=every)


@register
class GradientPenalty(InputGradientPenalty):
    """The WGAN-GP gradient penalty (Gulrajani et al. 2017).

    Adds `weight * E[(||∇ D(x̂)|| - 1)²]` to the discriminator's (critic's)
    loss, at random points `x̂ = ε x + (1 - ε) G(z)`, `ε ~ U(0, 1)` per
    sample, between real and generated samples: a soft 1-Lipschitz
    constraint. Pair it with `adversarial_loss="wasserstein"`.
    `StabilizedGAN` logs it as `gp_loss`.

    Args:
        weight: float >= 0 (10 in the paper).
        every: int >= 1. Lazy regularization (Karras et al. 2020): the
            penalty is computed at every `every`-th discriminator step only,
            times `every`; 1 (the default) computes it at each step.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> disc = keras.Sequential([keras.Input((2,)),
    ...                          keras.layers.Dense(1, use_bias=False)])
    >>> disc.set_weights([np.array([[3.0], [4.0]], "float32")])
    >>> gp = kag.regularizers.GradientPenalty(weight=1.0)
    >>> x = np.zeros((4, 2), "float32")
    >>> penalty = gp(disc, x, x + 1.0, seed=0)  # (||(3, 4)|| - 1)²
    >>> float(keras.ops.convert_to_numpy(penalty))
    16.0
    """

    def __init__(self, weight=10.0, every=1):
        super().__init__(weight, every=every)

    def points(self, real, fake, seed=None):
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        epsilon = keras.random.uniform(shape, seed=seed, dtype=real.dtype)
        return epsilon * real + (1.0 - epsilon) * fake

    def penalty_from_gradients(self, gradients):
        norms = ops.sqrt(_squared_norms(gradients) + 1e-12)
        return self.weight * ops.mean(ops.square(norms - 1.0))


def get(identifier):
    """Returns a gradient penalty from `None` or an instance."""
    if identifier is None or isinstance(identifier, InputGradientPenalty):
        return identifier
    raise TypeError(
        "gradient_penalty must be None or a kag.regularizers penalty "
        "(R1Penalty(gamma), R2Penalty(gamma), ZeroCenteredGradientPenalty("
        "gamma, real=, fake=), GradientPenalty(weight) or an "
        f"InputGradientPenalty subclass); got {identifier!r} of "
        f"type {type(identifier).__name__}."
    )

"""Adversarial losses: one small class per GAN objective.

The simple interface is `discriminator_loss(real_logits, fake_logits)` and
`generator_loss(fake_logits)`, both returning a scalar, in pure `keras.ops`.
An objective that needs more (its own state, the discriminator's outputs on
the real batch in the generator's loss, other outputs of the discriminator,
extra logs) overrides the training-step hooks of `AdversarialLoss`;
`StabilizedGAN` calls only those hooks and never asks which objective it
trains. Adding an objective means adding one subclass (and, for a built-in,
one entry in `ALIASES`).
"""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register
from keras_aegan.src.backend import distributed

# compile()'s default penalty for the logit objectives: R1 with gamma 3,
# the value the benchmarks chose on the mixtures and the digits.
R1_DEFAULT = ("R1Penalty", {"gamma": 3.0})


class AdversarialLoss:
    """Base class of the adversarial objectives used by `StabilizedGAN`.

    Subclasses implement `discriminator_loss(real_logits, fake_logits)` and
    `generator_loss(fake_logits)`; both return a scalar tensor. Objects are
    serializable with `get_config()` / `from_config()`; register a subclass
    with `keras.saving.register_keras_serializable` so that a saved model
    finds it again.

    **Training-step hooks.** `StabilizedGAN` trains every objective through
    these methods; the defaults suit a logit loss, and an objective
    overrides the ones it needs:

    - `generator_uses_real` (class attribute, default `False`): when `True`
      the generator's loss is `generator_loss(fake_logits, real_logits)`,
      with the discriminator's outputs on the real batch (a relativistic
      objective such as `RelativisticPairingLoss`).
    - `build(gan)`: called once by `gan.compile()`; creates the objective's
      state with `gan.objective_state_variable(name)` (a model variable:
      saved, restored, carried through JAX's stateless step).
    - `discriminator_outputs(discriminator, samples, training,
      for_generator=False)`: what the losses receive for a batch of
      samples; default `discriminator(samples)`. `for_generator` is `True`
      in the generator's loss (EBGAN also returns the encoder codes there).
    - `discriminator_objective(real_outputs, fake_outputs)` and
      `generator_objective(fake_outputs, real_outputs=None)`: the two
      losses the step minimizes; by default `discriminator_loss` and
      `generator_loss`.
    - `after_discriminator_step(real_outputs, fake_outputs, training)`:
      called after each discriminator update, inside the compiled step;
      updates the objective's state (only when `training`) and returns a
      dict of scalars, averaged over the epoch into the logs under the
      names in `log_keys` (class attribute).
    - `state_logs()`: a dict of values logged as they are at the end of
      each step (e.g. BEGAN's `balance`).

    Example: a custom objective (a least-squares loss with the targets
    `+target` for real and `-target` for fake logits), passed to `compile`
    like a built-in one:

    >>> import keras
    >>> from keras import ops
    >>> import keras_aegan as kag
    >>> class ShiftedLeastSquares(kag.losses.AdversarialLoss):
    ...     def __init__(self, target=1.0):
    ...         self.target = target
    ...     def discriminator_loss(self, real_logits, fake_logits):
    ...         return 0.5 * (ops.mean(ops.square(real_logits - self.target))
    ...                       + ops.mean(ops.square(fake_logits + self.target)))
    ...     def generator_loss(self, fake_logits):
    ...         return 0.5 * ops.mean(ops.square(fake_logits - self.target))
    ...     def get_config(self):
    ...         return {"target": self.target}
    >>> loss = ShiftedLeastSquares(target=1.0)
    >>> float(loss.discriminator_loss(ops.ones((4, 1)), -ops.ones((4, 1))))
    0.0
    >>> nets = kag.models.mlp_gan(2, 8, hidden_units=(16,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    >>> gan.compile(adversarial_loss=loss)
    """

    # True for the objectives that read reconstruction energies from a
    # `kag.models.AutoencoderDiscriminator` instead of logits.
    energy_based = False
    # True when generator_loss(fake_logits, real_logits) reads the real
    # batch's outputs too.
    generator_uses_real = False
    # Names of the values after_discriminator_step() returns.
    log_keys = ()
    # What compile(gradient_penalty="recommended") adds (see
    # recommended_gradient_penalty()).
    recommended_penalty = None

    def discriminator_loss(self, real_logits, fake_logits):
        raise NotImplementedError(
            f"{type(self).__name__} must implement discriminator_loss()."
        )

    def generator_loss(self, fake_logits, real_logits=None):
        raise NotImplementedError(
            f"{type(self).__name__} must implement generator_loss()."
        )

    # ------------------------------------------------------------------
    # Training-step hooks
    # ------------------------------------------------------------------
    def build(self, gan):
        """Creates the objective's state on `gan` (default: none)."""

    def discriminator_outputs(self, discriminator, samples, training,
                              for_generator=False):
        """The discriminator's outputs the losses read, in float32."""
        # Losses in float32 under mixed precision, as in Keras.
        return ops.cast(discriminator(samples, training=training), "float32")

    def discriminator_objective(self, real_outputs, fake_outputs):
        """The loss of one discriminator update."""
        return self.discriminator_loss(real_outputs, fake_outputs)

    def generator_objective(self, fake_outputs, real_outputs=None):
        """The adversarial part of the generator's loss."""
        if self.generator_uses_real:
            return self.generator_loss(fake_outputs, real_outputs)
        return self.generator_loss(fake_outputs)

    def after_discriminator_step(self, real_outputs, fake_outputs, training):
        """Updates the objective's state; returns `{log_key: scalar}`."""
        return {}

    def recommended_gradient_penalty(self):
        """The penalty `compile(gradient_penalty="recommended")` adds.

        The default: `R1Penalty(3.0)` for the objectives scoring logits
        (Mescheder et al. 2018; gamma 3 is the value the benchmarks chose
        for every dataset), `GradientPenalty(10.0)` for the Wasserstein
        critic, R1 and R2 for the relativistic pairing loss (R3GAN), none
        for an energy objective or a custom objective that does not say
        (its class attribute `recommended_penalty`: `None` or the name of a
        `kag.regularizers` class and its arguments).
        """
        if self.recommended_penalty is None:
            return None
        from keras_aegan.src.regularizers import gradient_penalties

        name, arguments = self.recommended_penalty
        return getattr(gradient_penalties, name)(**arguments)

    def state_logs(self):
        """Values logged as they are after each step (default: none)."""
        return {}

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@register
class NonSaturatingLoss(AdversarialLoss):
    """The non-saturating GAN loss (Goodfellow et al. 2014).

    The discriminator minimizes `softplus(-D(x)) + softplus(D(G(z)))` (binary
    cross-entropy on logits); the generator minimizes `softplus(-D(G(z)))`,
    i.e. `-log sigmoid(D(G(z)))`, which keeps gradients alive when the
    discriminator wins.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.NonSaturatingLoss()
    >>> round(float(loss.generator_loss(np.zeros((4, 1)))), 4)
    0.6931
    """

    recommended_penalty = R1_DEFAULT

    def discriminator_loss(self, real_logits, fake_logits):
        real = ops.mean(ops.softplus(-real_logits))
        fake = ops.mean(ops.softplus(fake_logits))
        return real + fake

    def generator_loss(self, fake_logits):
        return ops.mean(ops.softplus(-fake_logits))


@register
class MinimaxLoss(AdversarialLoss):
    """The original minimax GAN loss (Goodfellow et al. 2014).

    The discriminator minimizes binary cross-entropy on logits,
    `softplus(-D(x)) + softplus(D(G(z)))`; the generator minimizes
    `log(1 - sigmoid(D(G(z))))` = `-softplus(D(G(z)))`, the saturating form
    of the zero-sum game (its gradient vanishes when the discriminator wins;
    `NonSaturatingLoss` is the usual fix).

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.MinimaxLoss()
    >>> round(float(loss.generator_loss(np.zeros((4, 1)))), 4)
    -0.6931
    """

    recommended_penalty = R1_DEFAULT

    def discriminator_loss(self, real_logits, fake_logits):
        return NonSaturatingLoss().discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return -ops.mean(ops.softplus(fake_logits))


@register
class HingeLoss(AdversarialLoss):
    """The hinge GAN loss (Lim & Ye 2017; Miyato et al. 2018).

    The discriminator minimizes `relu(1 - D(x)) + relu(1 + D(G(z)))`; the
    generator minimizes `-D(G(z))`. Usually paired with spectral
    normalization in the discriminator (`kag.models.dcgan(...,
    spectral_normalization=True)`).

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.HingeLoss()
    >>> float(loss.discriminator_loss(np.array([[2.0]]), np.array([[0.5]])))
    1.5
    """

    recommended_penalty = R1_DEFAULT

    def discriminator_loss(self, real_logits, fake_logits):
        return (ops.mean(ops.relu(1.0 - real_logits))
                + ops.mean(ops.relu(1.0 + fake_logits)))

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)


@register
class WassersteinLoss(AdversarialLoss):
    """The Wasserstein GAN loss (Arjovsky et al. 2017).

    The critic minimizes `D(G(z)) - D(x)`; the generator minimizes
    `-D(G(z))`. The critic must be kept 1-Lipschitz: pair it with
    `gradient_penalty=kag.regularizers.GradientPenalty(10.0)` (WGAN-GP,
    Gulrajani et al. 2017) and usually `discriminator_steps=5`.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.WassersteinLoss()
    >>> float(loss.discriminator_loss(np.array([[2.0]]), np.array([[0.5]])))
    -1.5
    """

    recommended_penalty = ("GradientPenalty", {"weight": 10.0})

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(fake_logits) - ops.mean(real_logits)

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)


@register
class LeastSquaresLoss(AdversarialLoss):
    """The least-squares GAN loss (Mao et al. 2017), targets 0/1/1.

    The discriminator minimizes `((D(x) - 1)² + D(G(z))²) / 2`; the
    generator minimizes `(D(G(z)) - 1)² / 2`.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.LeastSquaresLoss()
    >>> float(loss.generator_loss(np.array([[3.0]])))
    2.0
    """

    recommended_penalty = R1_DEFAULT

    def discriminator_loss(self, real_logits, fake_logits):
        return 0.5 * (ops.mean(ops.square(real_logits - 1.0))
                      + ops.mean(ops.square(fake_logits)))

    def generator_loss(self, fake_logits):
        return 0.5 * ops.mean(ops.square(fake_logits - 1.0))


def pullaway_term(codes):
    """EBGAN's pulling-away term: the mean squared cosine similarity between
    the codes of different samples, `1/(N(N-1)) Σ_{i≠j} cos²(s_i, s_j)`."""
    codes = ops.reshape(codes, (ops.shape(codes)[0], -1))
    codes = codes / ops.sqrt(
        ops.sum(ops.square(codes), axis=1, keepdims=True) + 1e-12)
    similarity = ops.square(ops.matmul(codes, ops.transpose(codes)))
    n = ops.cast(ops.shape(codes)[0], similarity.dtype)
    # cos² of a sample with itself is 1: remove the diagonal.
    return (ops.sum(similarity) - n) / ops.maximum(n * (n - 1.0), 1.0)


@register
class EBGANLoss(AdversarialLoss):
    """Energy-based GAN loss with a margin (Zhao et al. 2017).

    Needs a `kag.models.AutoencoderDiscriminator`, whose output `D(x)` is a
    per-sample reconstruction energy. The discriminator minimizes
    `D(x) + max(0, margin - D(G(z)))`: real samples get low energy,
    generated ones are pushed up to the margin. The generator minimizes
    `D(G(z)) + pullaway_weight * f_PT(S)`, where `f_PT` (the pulling-away
    term) is the mean squared cosine similarity of the encoder codes `S` of
    different generated samples: it pushes the batch's codes apart, against
    mode collapse.

    Args:
        margin: float > 0, the energy above which generated samples stop
            being pushed. It sets the energy scale, so it depends on the
            data's scale and the energy's distance: the default 0.3 suits
            the mean-squared energy on data in [-1, 1] (on the digits
            benchmark, 3,000 steps: margin 0.3 covered 10/10 classes, 1.0
            and 0.1 collapsed onto one).
        pullaway_weight: float >= 0, weight of the pulling-away term.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.EBGANLoss(margin=1.0)
    >>> float(loss.discriminator_loss(np.array([[0.25]]), np.array([[0.5]])))
    0.75
    """

    energy_based = True

    def __init__(self, margin=0.3, pullaway_weight=0.1):
        self.margin = validation.check_number("EBGANLoss", "margin", margin,
                                             low=0.0)
        if self.margin == 0:
            raise ValueError("EBGANLoss: `margin` must be > 0, got 0.")
        self.pullaway_weight = validation.check_number(
            "EBGANLoss", "pullaway_weight", pullaway_weight, low=0.0)

    def discriminator_loss(self, real_logits, fake_logits):
        return (ops.mean(real_logits)
                + ops.mean(ops.relu(self.margin - fake_logits)))

    def generator_loss(self, fake_logits, fake_codes=None):
        loss = ops.mean(fake_logits)
        if self.pullaway_weight and fake_codes is not None:
            loss = loss + self.pullaway_weight * pullaway_term(fake_codes)
        return loss

    def discriminator_outputs(self, discriminator, samples, training,
                              for_generator=False):
        if not for_generator:
            return super().discriminator_outputs(discriminator, samples,
                                                 training)
        # The generator's loss also reads the encoder codes of G(z) (the
        # pulling-away term).
        energies, codes = discriminator.energy_and_codes(samples,
                                                         training=training)
        return ops.cast(energies, "float32"), ops.cast(codes, "float32")

    def generator_objective(self, fake_outputs, real_outputs=None):
        energies, codes = fake_outputs
        return self.generator_loss(energies, codes)

    def get_config(self):
        return {"margin": self.margin, "pullaway_weight": self.pullaway_weight}


@register
class BEGANLoss(AdversarialLoss):
    """Boundary-equilibrium GAN loss (Berthelot et al. 2017).

    Needs a `kag.models.AutoencoderDiscriminator`, whose output `L(v)` is a
    per-sample reconstruction loss. With the balance `k_t` in [0, 1]:
    the discriminator minimizes `L(x) - k_t L(G(z))`, the generator
    minimizes `L(G(z))`, and after each discriminator step
    `k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)` keeps the
    ratio `L(G(z)) / L(x)` near `gamma`. `k_t` is model state, created by
    `build(gan)` as `gan.balance` (saved, restored, carried through JAX's
    stateless step, and the same on every replica: it is updated from the
    energies of the global batch). The training logs hold `balance` (k_t)
    and `convergence`, BEGAN's
    `M_global = L(x) + |gamma L(x) - L(G(z))|`, which falls as training
    converges.

    Args:
        gamma: float in (0, 1], the diversity ratio: lower values give
            sharper, less diverse samples.
        lambda_k: float >= 0, the learning rate of `k_t`.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.BEGANLoss(gamma=0.5, lambda_k=0.1)
    >>> real, fake = np.array([[0.4]]), np.array([[0.1]])
    >>> round(float(loss.next_balance(0.0, real, fake)), 4)
    0.01
    >>> round(float(loss.convergence(real, fake)), 4)
    0.5
    """

    energy_based = True
    log_keys = ("convergence",)

    def __init__(self, gamma=0.5, lambda_k=0.001):
        self.gamma = validation.check_number("BEGANLoss", "gamma", gamma,
                                             low=0.0, high=1.0)
        if self.gamma == 0:
            raise ValueError("BEGANLoss: `gamma` must be in (0, 1], got 0.")
        self.lambda_k = validation.check_number("BEGANLoss", "lambda_k",
                                                lambda_k, low=0.0)

    def discriminator_loss(self, real_logits, fake_logits, balance=0.0):
        return ops.mean(real_logits) - balance * ops.mean(fake_logits)

    def generator_loss(self, fake_logits):
        return ops.mean(fake_logits)

    def next_balance(self, balance, real_logits, fake_logits):
        """`k_{t+1}` from `k_t` and the energies of one discriminator step."""
        step = self.gamma * ops.mean(real_logits) - ops.mean(fake_logits)
        return ops.clip(balance + self.lambda_k * step, 0.0, 1.0)

    def convergence(self, real_logits, fake_logits):
        """BEGAN's convergence measure `M_global`."""
        real = ops.mean(real_logits)
        return real + ops.abs(self.gamma * real - ops.mean(fake_logits))

    def build(self, gan):
        self.balance = gan.objective_state_variable("balance")

    def discriminator_objective(self, real_outputs, fake_outputs):
        balance = ops.cast(self.balance.value, real_outputs.dtype)
        return self.discriminator_loss(real_outputs, fake_outputs,
                                       balance=balance)

    def after_discriminator_step(self, real_outputs, fake_outputs, training):
        # The same k_t on every replica: energies of the global batch.
        real, fake = distributed.all_reduce_mean(
            [ops.mean(real_outputs), ops.mean(fake_outputs)])
        if training:
            balance = self.next_balance(
                ops.cast(self.balance.value, real.dtype), real, fake)
            self.balance.assign(ops.cast(balance, self.balance.dtype))
        return {"convergence": self.convergence(real, fake)}

    def state_logs(self):
        return {"balance": self.balance.value}

    def get_config(self):
        return {"gamma": self.gamma, "lambda_k": self.lambda_k}


@register
class RelativisticPairingLoss(AdversarialLoss):
    """The relativistic pairing GAN loss, RpGAN (Jolicoeur-Martineau 2019;
    the objective of R3GAN, Huang et al. 2024).

    Each real sample is paired with a generated one and the discriminator
    judges the pair: it minimizes `softplus(-(D(x) - D(G(z))))`, the
    generator minimizes `softplus(-(D(G(z)) - D(x)))`, averaged over the
    pairs of the batch. The generator's loss reads the discriminator's
    outputs on the real batch too (`generator_uses_real = True`). Huang et
    al. pair it with zero-centered gradient penalties on real and fake data.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.RelativisticPairingLoss()
    >>> real, fake = np.array([[1.0], [0.0]]), np.array([[1.0], [2.0]])
    >>> round(float(loss.discriminator_loss(real, fake)), 4)
    1.41
    >>> round(float(loss.generator_loss(fake, real)), 4)
    0.41
    """

    recommended_penalty = ("ZeroCenteredGradientPenalty", {"gamma": 3.0})

    generator_uses_real = True

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(ops.softplus(fake_logits - real_logits))

    def generator_loss(self, fake_logits, real_logits=None):
        if real_logits is None:
            raise ValueError(
                "RelativisticPairingLoss.generator_loss(fake_logits, "
                "real_logits) needs the discriminator's outputs on the real "
                "batch too (the pairs it compares); got real_logits=None.")
        return ops.mean(ops.softplus(real_logits - fake_logits))


ALIASES = {
    "non_saturating": NonSaturatingLoss,
    "minimax": MinimaxLoss,
    "hinge": HingeLoss,
    "wasserstein": WassersteinLoss,
    "least_squares": LeastSquaresLoss,
    "ebgan": EBGANLoss,
    "began": BEGANLoss,
    "rpgan": RelativisticPairingLoss,
}


def _refuse_binary_crossentropy(identifier):
    """Binary cross-entropy as recipes pass it: accepted on logits as the
    non-saturating loss (see `get`); anything else is explained."""
    bce_names = ("binary_crossentropy", "bce", "BinaryCrossentropy")
    if isinstance(identifier, str) and identifier in bce_names:
        raise ValueError(
            f"adversarial_loss={identifier!r}: the discriminator outputs "
            "logits, and the GAN loss that recipes write with binary "
            "cross-entropy (the keras-io GAN: BinaryCrossentropy("
            "from_logits=True), generated samples labelled real for the "
            "generator) is adversarial_loss='non_saturating' (the "
            "compile() default; 'minimax' is the original, saturating "
            "form). Pass one of these names.")
    if isinstance(identifier, keras.losses.BinaryCrossentropy):
        config = identifier.get_config()
        if not config.get("from_logits") or config.get("label_smoothing"):
            raise ValueError(
                f"adversarial_loss=BinaryCrossentropy({config}): the "
                "discriminator outputs logits, so only "
                "BinaryCrossentropy(from_logits=True) without label "
                "smoothing is the non-saturating loss (accepted as "
                "'non_saturating'). Pass adversarial_loss='non_saturating', "
                "or end the discriminator without a sigmoid.")


def get(identifier):
    """Returns an adversarial loss object from a name or an instance."""
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, str) and identifier in ALIASES:
        return ALIASES[identifier]()
    _refuse_binary_crossentropy(identifier)
    if isinstance(identifier, keras.losses.BinaryCrossentropy):
        # The keras-io recipe's loss on logits: the non-saturating GAN loss.
        return NonSaturatingLoss()
    if isinstance(identifier, str):
        raise ValueError(
            f"Unknown adversarial_loss: {identifier!r}. Expected one of "
            f"{', '.join(repr(k) for k in ALIASES)}, or an instance of a "
            "kag.losses adversarial loss."
        )
    raise TypeError(
        "adversarial_loss must be a string or a kag.losses adversarial loss "
        f"object (e.g. kag.losses.NonSaturatingLoss()), got {identifier!r} of "
        f"type {type(identifier).__name__}."
    )

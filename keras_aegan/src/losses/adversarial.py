"""Adversarial losses: one small class per GAN objective.

Each class implements `discriminator_loss(real_logits, fake_logits)` and
`generator_loss(fake_logits)`, both returning a scalar, in pure `keras.ops`.
Adding an objective means adding one subclass and one entry in `ALIASES`.
"""

from keras import ops

from keras_aegan.src.api_export import register


class AdversarialLoss:
    """Base class of the adversarial objectives used by `StabilizedGAN`.

    Subclasses implement `discriminator_loss(real_logits, fake_logits)` and
    `generator_loss(fake_logits)`; both return a scalar tensor. Objects are
    serializable with `get_config()` / `from_config()`.
    """

    def discriminator_loss(self, real_logits, fake_logits):
        raise NotImplementedError(
            f"{type(self).__name__} must implement discriminator_loss()."
        )

    def generator_loss(self, fake_logits):
        raise NotImplementedError(
            f"{type(self).__name__} must implement generator_loss()."
        )

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

    def discriminator_loss(self, real_logits, fake_logits):
        real = ops.mean(ops.softplus(-real_logits))
        fake = ops.mean(ops.softplus(fake_logits))
        return real + fake

    def generator_loss(self, fake_logits):
        return ops.mean(ops.softplus(-fake_logits))


ALIASES = {
    "non_saturating": NonSaturatingLoss,
}


def get(identifier):
    """Returns an adversarial loss object from a name or an instance."""
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, str) and identifier in ALIASES:
        return ALIASES[identifier]()
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

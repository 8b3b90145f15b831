"""Parsing and checking of `StabilizedGAN.compile()`'s arguments.

Every function raises a `ValueError`/`TypeError` that names the argument,
what was received and what to pass instead; nothing here changes the model.
"""

import keras

from keras_aegan.src import validation
from keras_aegan.src.backend import distributed
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    ReconstructionConsistencyLoss,
)
from keras_aegan.src.losses.reconstruction_consistency_loss import kinds
from keras_aegan.src.models.autoencoder_discriminator import (
    AutoencoderDiscriminator,
)
from keras_aegan.src.models.builders import default_autoencoder
from keras_aegan.src.models.builders import default_encoder
from keras_aegan.src.models.conditional import has_auxiliary_classifier
from keras_aegan.src.models.network_checks import output_activation_name
from keras_aegan.src.regularizers import gradient_penalties

KERAS_COMPILE_KWARGS = ("run_eagerly", "steps_per_execution", "jit_compile",
                        "auto_scale_loss")
_NOT_FOR_A_GAN = ("optimizer", "loss", "loss_weights", "metrics",
                  "weighted_metrics")
GAN_COMPILE_ARGS = ("generator_optimizer", "discriminator_optimizer",
                    "autoencoder_optimizer", "adversarial_loss",
                    "consistency_loss", "gradient_penalty",
                    "discriminator_steps", "class_loss_weight")
# The names GAN recipes (the keras-io GAN, PyTorch code) give them.
_RECIPE_NAMES = {
    "d_optimizer": "discriminator_optimizer",
    "g_optimizer": "generator_optimizer",
    "disc_optimizer": "discriminator_optimizer",
    "gen_optimizer": "generator_optimizer",
    "optimizer_d": "discriminator_optimizer",
    "optimizer_g": "generator_optimizer",
    "loss_fn": "adversarial_loss",
    "gan_loss": "adversarial_loss",
    "d_steps": "discriminator_steps",
    "n_critic": "discriminator_steps",
}


def recommended_consistency_losses(batch_fraction=1.0):
    """The consistency terms `compile()` uses by default.

    Tuned with `benchmarks/mixtures.py` (docs/benchmarks.md):

    - the manifold term with a denoising autoencoder (`noise_level=0.25`)
      and an L1 distance, weight 1: a denoising `Q` points towards the data,
      and an L1 pull has the same strength at any distance, so samples snap
      onto the modes (high sample quality). A larger weight overrides the
      adversarial signal and collapses modes; a plain L2 manifold term (an
      identity-like autoencoder) neither covers nor sharpens them;
    - the data term (`||x - G(E(x))||²`, Che et al. 2017) at weight 0.3:
      every real sample must stay reachable, which evens out the coverage
      (lower reverse KL) at a small cost in sample quality.

    Args:
        batch_fraction: float in (0, 1], each term's `batch_fraction`: the
            part of each batch the terms (and the autoencoder's update) are
            computed on. Below 1 they cost less per step, with noisier
            gradients (docs/benchmarks.md, B3, measures both).

    Returns:
        A new list of `kag.losses.ReconstructionConsistencyLoss` objects.

    Example:

    >>> import keras_aegan as kag
    >>> for term in kag.models.recommended_consistency_losses():
    ...     print(term.kind, term.weight)
    manifold 1.0
    data 0.3
    """
    return [
        ReconstructionConsistencyLoss("manifold", distance="l1",
                                      noise_level=0.25, weight=1.0,
                                      batch_fraction=batch_fraction),
        ReconstructionConsistencyLoss("data", weight=0.3,
                                      batch_fraction=batch_fraction),
    ]


def check_keras_kwargs(kwargs):
    """Refuses `keras.Model.compile` arguments a GAN cannot take."""
    for name in _NOT_FOR_A_GAN:
        if name in kwargs:
            raise ValueError(
                f"StabilizedGAN.compile() does not take `{name}`: a GAN "
                "has one optimizer per network and its own losses. Use "
                "generator_optimizer/discriminator_optimizer/"
                "autoencoder_optimizer, adversarial_loss and "
                "consistency_loss."
            )
    unknown = sorted(set(kwargs) - set(KERAS_COMPILE_KWARGS))
    if unknown:
        renames = [f"{name}= -> {_RECIPE_NAMES[name]}=" for name in unknown
                   if name in _RECIPE_NAMES]
        raise TypeError(
            f"StabilizedGAN.compile() got unexpected argument(s) {unknown}."
            + (f" Its names for them: {', '.join(renames)}." if renames
               else "")
            + f" Its own arguments: {', '.join(GAN_COMPILE_ARGS)}; Keras' "
            f"arguments it accepts: {', '.join(KERAS_COMPILE_KWARGS)}."
        )


def _default_gan_optimizer():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def _get_optimizer(name, value, default_fn):
    if value is None:
        return default_fn()
    if isinstance(value, keras.optimizers.Optimizer):
        return value
    if isinstance(value, (str, dict)):
        try:
            return keras.optimizers.get(value)
        except ValueError as e:
            raise ValueError(
                f"`{name}`: could not make an optimizer from {value!r} ({e}). "
                "Pass a keras.optimizers.Optimizer instance, e.g. "
                "keras.optimizers.Adam(2e-4, beta_1=0.5)."
            ) from None
    raise TypeError(
        f"`{name}` must be a keras.optimizers.Optimizer (or its name), got "
        f"{value!r} of type {type(value).__name__}. Example: "
        f"{name}=keras.optimizers.Adam(2e-4, beta_1=0.5)."
    )


def get_optimizers(generator, discriminator, autoencoder):
    """`{"generator": ..., "discriminator": ..., "autoencoder": ...}`, the
    defaults filled in; each network needs its own instance."""
    optimizers = {
        "generator": _get_optimizer("generator_optimizer", generator,
                                    _default_gan_optimizer),
        "discriminator": _get_optimizer(
            "discriminator_optimizer", discriminator, _default_gan_optimizer),
        "autoencoder": _get_optimizer(
            "autoencoder_optimizer", autoencoder,
            lambda: keras.optimizers.Adam(1e-3)),
    }
    if len({id(o) for o in optimizers.values()}) < len(optimizers):
        raise ValueError(
            "The same optimizer instance was passed for two networks; "
            "each network needs its own optimizer (its moments are per "
            "variable). Pass separate instances."
        )
    return optimizers


def with_loss_scaling(optimizers):
    """Each optimizer wrapped in a `LossScaleOptimizer` (float16 gradients
    underflow without a dynamic loss scale), like `keras.Model.compile`."""
    return {
        k: o if isinstance(o, keras.optimizers.LossScaleOptimizer)
        else keras.optimizers.LossScaleOptimizer(
            o, name=f"{k}_loss_scale_optimizer")
        for k, o in optimizers.items()
    }


def get_gradient_penalty(value, adversarial_loss):
    """`"recommended"` -> the objective's recommended penalty; otherwise
    `None` or a `kag.regularizers` penalty, as given."""
    if isinstance(value, str) and value == "recommended":
        return adversarial_loss.recommended_gradient_penalty()
    if isinstance(value, str):
        raise ValueError(
            f"Unknown gradient_penalty: {value!r}. Expected 'recommended' "
            "(the default), None (no penalty) or a kag.regularizers penalty "
            "such as kag.regularizers.R1Penalty(3.0).")
    return gradient_penalties.get(value)


def get_consistency_losses(value):
    """A list of `ReconstructionConsistencyLoss` terms, each kind once."""
    if value is None:
        return []
    if isinstance(value, str) and value == "recommended":
        return recommended_consistency_losses()
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    names = ", ".join(repr(k) for k in kinds())
    losses = []
    for item in items:
        if isinstance(item, ReconstructionConsistencyLoss):
            losses.append(item)
        elif isinstance(item, str) and item in kinds():
            losses.append(ReconstructionConsistencyLoss(kind=item))
        elif isinstance(item, str):
            raise ValueError(
                f"Unknown consistency_loss: {item!r}. Expected None, "
                f"'recommended', one of {names}, a "
                "kag.losses.ReconstructionConsistencyLoss, or a list of these."
            )
        else:
            raise TypeError(
                f"consistency_loss must be None, a string ({names}), a "
                "kag.losses.ReconstructionConsistencyLoss or a list of these; "
                f"got {item!r} of type {type(item).__name__}."
            )
    all_kinds = [loss.kind for loss in losses]
    duplicated = sorted({k for k in all_kinds if all_kinds.count(k) > 1})
    if duplicated:
        raise ValueError(
            f"consistency_loss lists the kind(s) {duplicated} more than once; "
            "give each kind once and set its `weight` instead."
        )
    return losses


def check_objective_fits_discriminator(adversarial_loss, discriminator):
    """An energy objective needs an AutoencoderDiscriminator, a logit
    objective anything else."""
    energy_discriminator = isinstance(discriminator, AutoencoderDiscriminator)
    if adversarial_loss.energy_based and not energy_discriminator:
        raise ValueError(
            f"adversarial_loss={adversarial_loss!r} scores samples by "
            "reconstruction energy and needs a "
            "kag.models.AutoencoderDiscriminator(encoder, decoder) as the "
            f"discriminator; got a {type(discriminator).__name__}. "
            "Wrap an encoder and a decoder in AutoencoderDiscriminator, "
            "or use a logit loss such as 'non_saturating'."
        )
    if energy_discriminator and not adversarial_loss.energy_based:
        raise ValueError(
            "The discriminator is a kag.models.AutoencoderDiscriminator, "
            "whose output is a reconstruction energy, not a logit; "
            f"adversarial_loss={adversarial_loss!r} expects logits. Use "
            "adversarial_loss='ebgan' or 'began'."
        )


def check_adaptive_augmentation(adversarial_loss, discriminator):
    """ADA reads the sign of the discriminator's logits on real data: an
    energy objective has none."""
    from keras_aegan.src.trainers.plan import adaptive_augmentations

    if adversarial_loss.energy_based and adaptive_augmentations(
            discriminator):
        raise ValueError(
            "The discriminator holds a DifferentiableAugmentation(adaptive="
            "True), whose probability follows the sign of the "
            "discriminator's logits on real data, but "
            f"adversarial_loss={adversarial_loss!r} scores reconstruction "
            "energies. Use adaptive=False (a fixed augmentation) or a logit "
            "loss such as 'non_saturating'.")


def check_discriminator_steps(value):
    try:
        return validation.check_int(None, "discriminator_steps", value,
                                    minimum=1)
    except ValueError:
        raise ValueError(
            "`discriminator_steps` must be an int >= 1 (discriminator "
            f"updates per generator update), got {value!r}."
        ) from None


def check_class_loss_weight(value, discriminator):
    """A number >= 0; a value other than 1 only for a discriminator with an
    auxiliary classifier (it would be ignored otherwise)."""
    value = validation.check_number(None, "class_loss_weight", value,
                                    low=0.0)
    if value != 1.0 and not has_auxiliary_classifier(discriminator):
        raise ValueError(
            f"class_loss_weight={value!r} weighs an auxiliary classifier's "
            "loss (ACGAN), but the discriminator has none (it returns one "
            "output, not [logits, class_logits]). Build it with "
            "conditioning='acgan' (kag.models.mlp_gan / dcgan with "
            "num_classes) or leave class_loss_weight at 1.0.")
    return float(value)


def default_networks(gan, consistency_losses):
    """`{network: keras.Model}` for the networks the terms need and the GAN
    lacks (`"autoencoder"`, `"encoder"`), built from its data shape."""
    needed = {name for loss in consistency_losses for name in loss.networks}
    built = {}
    if "autoencoder" in needed and gan.autoencoder is None:
        built["autoencoder"] = default_autoencoder(
            gan.data_shape,
            output_activation=output_activation_name(gan.generator))
    if "encoder" in needed and gan.encoder is None:
        built["encoder"] = default_encoder(gan.data_shape, gan.latent_dim)
    return built


def check_jit_compile(jit_compile, gradient_penalty):
    """A gradient penalty differentiates twice, which the backend's
    compiler may not support (torch.compile)."""
    from keras_aegan.src.backend import COMPILES_DOUBLE_BACKWARD

    if (jit_compile is True and gradient_penalty is not None
            and not COMPILES_DOUBLE_BACKWARD):
        raise ValueError(
            f"jit_compile=True with gradient_penalty={gradient_penalty!r} "
            f"cannot run on the {keras.backend.backend()} backend: its "
            "compiler (torch.compile) does not support double "
            "backpropagation, which the penalty needs. Use jit_compile="
            "'auto' (eager on PyTorch, the default) or gradient_penalty=None.")


def resolve_jit_compile(jit_compile, run_eagerly):
    """`"auto"` follows Keras: `jax.jit` on JAX; XLA on TensorFlow where a
    GPU or TPU is visible (a `tf.function` graph on a CPU, and under a
    multi-replica tf.distribute strategy); eager on torch."""
    if jit_compile != "auto":
        return jit_compile
    return not run_eagerly and distributed.xla_by_default()

"""The training plan: what `StabilizedGAN.compile()` decides once.

The step reads the plan and walks no network: which networks train, the
variables of each optimizer, the log keys, whether the discriminator sees
real and fake in one call, and the phase (the autoencoder warm-up or the GAN
training).
"""

import dataclasses

import keras

from keras_aegan.src.layers.differentiable_augmentation import (
    DifferentiableAugmentation,
)
from keras_aegan.src.layers.reconstruction_consistency import (
    ReconstructionConsistency,
)
from keras_aegan.src.models.conditional import has_auxiliary_classifier
from keras_aegan.src.models.network_checks import nested_layers


@dataclasses.dataclass(frozen=True)
class TrainingPlan:
    """Everything the training step needs to know, fixed at compile time.

    Attributes:
        phase: `"gan"`, or `"autoencoder"` during `fit`'s autoencoder
            warm-up (only the autoencoders train).
        autoencoder_terms: the consistency terms that train `gan.autoencoder`
            on the real data (their kind lists `"autoencoder"`).
        layer_autoencoders: autoencoders of the generator's
            `kag.layers.ReconstructionConsistency` layers, trained on the
            real data and left out of the generator's update.
        uses_encoder: whether `gan.encoder` trains with the generator.
        joint_discriminator_pass: whether the discriminator sees real and
            fake samples in one call (it holds a `SpectralNormalization`).
        auxiliary_classifier: whether the discriminator also classifies
            its inputs (ACGAN; its loss is logged as `class_loss`).
        adaptive_augmentations: the discriminator's adaptive
            `kag.layers.DifferentiableAugmentation` layers (ADA), updated
            from the real logits after each discriminator update.
        variables: `{group: tuple of variables}` for the `"generator"`,
            `"discriminator"` and (when it trains) `"autoencoder"`
            optimizers, in a fixed order.
        gan_log_keys: the tracked losses of the GAN phase.
    """

    phase: str
    autoencoder_terms: tuple
    layer_autoencoders: tuple
    uses_encoder: bool
    joint_discriminator_pass: bool
    auxiliary_classifier: bool
    adaptive_augmentations: tuple
    variables: dict
    gan_log_keys: tuple

    @property
    def trains_autoencoder(self):
        return bool(self.autoencoder_terms or self.layer_autoencoders)

    @property
    def log_keys(self):
        if self.phase == "autoencoder":
            return ("ae_loss",)
        return self.gan_log_keys


def layer_autoencoders(generator, exclude=()):
    """Autoencoders of the generator's ReconstructionConsistency layers,
    each once, leaving out those in `exclude`."""
    found, seen = [], {id(network) for network in exclude}
    for layer in nested_layers(
            generator,
            descend=lambda layer: not isinstance(
                layer, ReconstructionConsistency)):
        if (isinstance(layer, ReconstructionConsistency)
                and id(layer.autoencoder) not in seen):
            seen.add(id(layer.autoencoder))
            found.append(layer.autoencoder)
    return found


def adaptive_augmentations(discriminator):
    """The discriminator's DifferentiableAugmentation layers with
    `adaptive=True`."""
    return tuple(layer for layer in nested_layers(discriminator)
                 if isinstance(layer, DifferentiableAugmentation)
                 and layer.adaptive)


def _unique(variables):
    found, seen = [], set()
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            found.append(variable)
    return tuple(found)


def build_plan(gan, adversarial_loss, consistency_losses, gradient_penalty):
    """The plan of `gan` for these losses (its networks already set)."""
    autoencoder_terms = tuple(term for term in consistency_losses
                              if "autoencoder" in term.networks)
    uses_encoder = any("encoder" in term.networks
                       for term in consistency_losses)
    exclude = [gan.autoencoder] if autoencoder_terms else []
    in_layers = tuple(layer_autoencoders(gan.generator, exclude))

    autoencoder_variables = _unique(
        v for network in exclude + list(in_layers)
        for v in network.trainable_variables)
    # Autoencoders inside the generator (ReconstructionConsistency layers)
    # learn from the real data only.
    excluded = {id(v) for network in in_layers
                for v in network.trainable_variables}
    generator_variables = list(gan.generator.trainable_variables)
    if uses_encoder:
        generator_variables += gan.encoder.trainable_variables
    variables = {
        "generator": _unique(v for v in generator_variables
                             if id(v) not in excluded),
        "discriminator": tuple(gan.discriminator.trainable_variables),
    }
    trains_autoencoder = bool(autoencoder_terms or in_layers)
    if trains_autoencoder:
        variables["autoencoder"] = autoencoder_variables

    keys = ["d_loss", "g_loss"]
    if trains_autoencoder:
        keys.append("ae_loss")
    if consistency_losses:
        keys.append("consistency_loss")
    if gradient_penalty is not None:
        keys.append("gp_loss")
    auxiliary_classifier = has_auxiliary_classifier(gan.discriminator)
    if auxiliary_classifier:
        keys.append("class_loss")
    keys += list(adversarial_loss.log_keys)

    return TrainingPlan(
        phase="gan",
        autoencoder_terms=autoencoder_terms,
        layer_autoencoders=in_layers,
        uses_encoder=uses_encoder,
        joint_discriminator_pass=any(
            isinstance(layer, keras.layers.SpectralNormalization)
            for layer in nested_layers(gan.discriminator)),
        auxiliary_classifier=auxiliary_classifier,
        adaptive_augmentations=adaptive_augmentations(gan.discriminator),
        variables=variables,
        gan_log_keys=tuple(keys),
    )

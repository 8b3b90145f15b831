"""Class-conditional GANs: networks that take class labels as a second input.

A conditional generator maps `[latent, labels]` to samples. The
discriminator is conditioned in one of two ways (or both):

- it takes `[samples, labels]` and returns logits (e.g. a projection
  discriminator, Miyato & Koyama 2018);
- it has an auxiliary classifier (ACGAN, Odena et al. 2017): it returns
  `[logits, class_logits]`, the second of shape `(batch, num_classes)`,
  and learns to classify real and generated samples.

Labels are integer class indices in `[0, num_classes)`, of shape `(batch,)`
or `(batch, 1)`. Inside a training step the networks are wrapped in
`Conditioned` views that add the batch's labels to every call and keep the
class logits aside, so the adversarial losses, the gradient penalties and
the consistency terms call them as unconditional networks.
"""

import keras
import numpy as np
from keras import ops

from keras_aegan.src import validation

# The builders name the generator's label embedding so that `StabilizedGAN`
# can read `num_classes` from it.
LABEL_EMBEDDING = "label_embedding"


def is_conditional(network):
    """Whether `network` takes `[x, labels]`: a model with two inputs."""
    inputs = (getattr(network, "inputs", None)
              if isinstance(network, keras.Model) else None)
    return bool(inputs) and len(inputs) == 2


def has_auxiliary_classifier(network):
    """Whether `network` returns `[logits, class_logits]`: a model with two
    outputs (an ACGAN discriminator)."""
    outputs = (getattr(network, "outputs", None)
               if isinstance(network, keras.Model) else None)
    return bool(outputs) and len(outputs) == 2


def label_shape(name, network):
    """The shape of `network`'s label input, `(None,)` or `(None, 1)`."""
    shape = tuple(network.inputs[1].shape)
    if shape not in ((None,), (None, 1)):
        raise ValueError(
            f"The {name}'s second input takes the class labels, integer "
            f"indices of shape (batch,) or (batch, 1); it has shape {shape}. "
            f"Give the {name} keras.Input((1,), dtype='int32') as its "
            "second input."
        )
    return shape


def check_pair(generator, discriminator):
    """Whether the GAN is conditional: a generator taking labels and a
    discriminator taking labels, or one with an auxiliary classifier, or
    both; neither network conditional otherwise. Raises on a mismatch."""
    conditional = is_conditional(generator)
    discriminator_conditional = (is_conditional(discriminator)
                                 or has_auxiliary_classifier(discriminator))
    if conditional and not discriminator_conditional:
        raise ValueError(
            "The generator takes class labels as a second input but the "
            "discriminator neither takes them ([samples, labels]) nor "
            "predicts them (outputs [logits, class_logits], an auxiliary "
            "classifier): a conditional GAN needs both networks "
            "conditional. Build both with num_classes=..., e.g. "
            "kag.models.mlp_gan(data_dim, latent_dim, num_classes=10).")
    if discriminator_conditional and not conditional:
        what = ("takes class labels as a second input"
                if is_conditional(discriminator) else
                "has an auxiliary classifier (two outputs)")
        raise ValueError(
            f"The discriminator {what} but the generator takes no labels: "
            "a conditional GAN needs a generator taking [latent, labels]. "
            "Build both with num_classes=..., e.g. "
            "kag.models.mlp_gan(data_dim, latent_dim, num_classes=10), or "
            "give an unconditional GAN a discriminator with one input and "
            "one output.")
    return conditional


def infer_num_classes(generator, num_classes, discriminator=None):
    """`num_classes` of a conditional GAN: the argument, or the size of the
    generator's `label_embedding` layer (the builders'), or of an auxiliary
    classifier's class logits; they must agree."""
    embedding = next((layer for layer in generator.layers
                      if layer.name == LABEL_EMBEDDING), None)
    inferred = getattr(embedding, "input_dim", None)
    source = "the generator's label embedding"
    if (inferred is None and discriminator is not None
            and has_auxiliary_classifier(discriminator)):
        inferred = discriminator.outputs[1].shape[-1]
        source = "the discriminator's class logits"
    if num_classes is None:
        if inferred is None:
            raise ValueError(
                "The networks are conditional (they take class labels) but "
                "the number of classes is unknown: pass num_classes=... to "
                "StabilizedGAN (the builders' networks carry it).")
        return int(inferred)
    num_classes = validation.check_int("StabilizedGAN", "num_classes",
                                       num_classes, minimum=2)
    if inferred is not None and inferred != num_classes:
        raise ValueError(
            f"num_classes={num_classes} does not match {source}, which has "
            f"{inferred} classes. Pass num_classes={inferred} or leave it as "
            "None.")
    return num_classes


def missing_labels_error(num_classes, got):
    """The error for a conditional GAN's data without labels."""
    return ValueError(
        f"This GAN is conditional ({num_classes} classes): fit() needs the "
        "class labels, fit(x, y) with integer labels in "
        f"[0, {num_classes}) or batches of (samples, labels) such as a "
        f"tf.data.Dataset of (x, y) pairs; {got}.")


def check_labels(labels, num_classes, num_samples, what="fit()"):
    """Integer labels in `[0, num_classes)`, one per sample, as an int32
    array of shape `(num_samples,)`; raises a clear error otherwise."""
    array = np.asarray(labels)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"{what}: class labels must be integers in [0, {num_classes}), "
            f"got dtype {array.dtype}. Pass integer class indices, e.g. "
            "y.astype('int32') for whole-number floats.")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{what}: class labels must have shape (n,) or (n, 1), got "
            f"{array.shape}. One-hot labels: pass y.argmax(axis=-1).")
    if num_samples is not None and len(array) != num_samples:
        raise ValueError(
            f"{what}: {len(array)} labels for {num_samples} samples; pass "
            "one label per sample.")
    if len(array) and (array.min() < 0 or array.max() >= num_classes):
        bad = array[(array < 0) | (array >= num_classes)]
        raise ValueError(
            f"{what}: class labels must lie in [0, {num_classes}); got "
            f"{len(bad)} outside it (e.g. {int(bad[0])}). The GAN was built "
            f"for num_classes={num_classes}.")
    return array.astype("int32")


class Conditioned:
    """A conditional network called as an unconditional one: `view(x)` is
    `network([x, labels])` (or `network(x)` when the network takes no
    labels). For a network with an auxiliary classifier the view returns
    the logits and keeps the class logits of its last call in
    `class_logits`. Other attributes are the network's."""

    def __init__(self, network, labels):
        self.network = network
        self.takes_labels = is_conditional(network)
        self.auxiliary = has_auxiliary_classifier(network)
        self.class_logits = None
        labels = ops.cast(labels, "int32")
        rank = len(network.inputs[1].shape) if self.takes_labels else 1
        self.labels = ops.reshape(labels, (-1,) if rank == 1 else (-1, 1))

    def __call__(self, inputs, training=False):
        inputs = ops.convert_to_tensor(inputs)
        outputs = self.network(
            [inputs, self.labels] if self.takes_labels else inputs,
            training=training)
        if self.auxiliary:
            outputs, self.class_logits = outputs
        return outputs

    def __getattr__(self, name):
        return getattr(self.network, name)


def class_loss(labels, class_logits):
    """The auxiliary classifier's loss: the mean cross-entropy of
    `class_logits` against the integer `labels`."""
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    return ops.mean(ops.sparse_categorical_crossentropy(
        labels, ops.cast(class_logits, "float32"), from_logits=True))


class ConditionalView:
    """The GAN as a training step's losses see it: its generator and
    discriminator take the batch's labels (its autoencoder and encoder stay
    class-agnostic), and `labels` holds them. Other attributes are the
    GAN's."""

    def __init__(self, gan, labels):
        self._gan = gan
        self.labels = labels
        self.generator = Conditioned(gan.generator, labels)
        self.discriminator = Conditioned(gan.discriminator, labels)

    def __getattr__(self, name):
        return getattr(self._gan, name)

"""Small network builders: the MLP GAN of the 2-D benchmarks and the default
autoencoder/encoder that `StabilizedGAN` builds when a term needs one."""

import dataclasses
import math

import keras
from keras import layers

from keras_aegan.src import validation
from keras_aegan.src.layers.pack_samples import PackSamples
from keras_aegan.src.models import conditional
from keras_aegan.src.models.autoencoder_discriminator import (
    AutoencoderDiscriminator,
)


@dataclasses.dataclass
class GANNetworks:
    """The four networks of a stabilized GAN, as returned by the builders.

    Attributes:
        generator: `(batch, latent_dim) -> (batch, *data_shape)`.
        discriminator: `(batch, *data_shape) -> (batch, 1)` logits.
        autoencoder: `(batch, *data_shape) -> (batch, *data_shape)`.
        encoder: `(batch, *data_shape) -> (batch, latent_dim)`.

    Example:

    >>> import keras_aegan as kag
    >>> nets = kag.models.mlp_gan(data_dim=2, latent_dim=8)
    >>> nets.generator.output_shape, nets.encoder.output_shape
    ((None, 2), (None, 8))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
    ...                         autoencoder=nets.autoencoder,
    ...                         encoder=nets.encoder)
    """

    generator: keras.Model
    discriminator: keras.Model
    autoencoder: keras.Model
    encoder: keras.Model


def _as_shape(data_dim, name="data_dim"):
    if validation.is_int(data_dim):
        shape = (data_dim,)
    elif isinstance(data_dim, (tuple, list)):
        shape = tuple(data_dim)
    else:
        raise validation.ArgumentTypeError(
            f"`{name}` must be an int or a shape tuple, got {data_dim!r} of "
            f"type {type(data_dim).__name__}."
        )
    if not shape or not all(validation.is_int(d) and d > 0 for d in shape):
        raise ValueError(
            f"`{name}` must be a positive int or a tuple of positive ints, "
            f"got {data_dim!r}."
        )
    return tuple(int(d) for d in shape)


def _mlp(input_shape, output_shape, hidden_units, activation, output_activation,
         name, spectral_normalization=False, num_packed=None):
    inputs = keras.Input(input_shape)
    h = inputs
    if num_packed:
        h = PackSamples(num_packed)(h)
    h = layers.Flatten()(h) if len(input_shape) > 1 else h
    for i, units in enumerate(hidden_units):
        h = _maybe_spectral(
            layers.Dense(units, activation=activation, name=f"dense_{i}"),
            spectral_normalization)(h)
    h = _maybe_spectral(layers.Dense(
        math.prod(output_shape), activation=output_activation, name="output"
    ), spectral_normalization)(h)
    if len(output_shape) > 1:
        h = layers.Reshape(output_shape)(h)
    return keras.Model(inputs, h, name=name)


CONDITIONINGS = ("projection", "acgan")


def _check_conditioning(owner, conditioning, num_classes):
    if conditioning not in CONDITIONINGS:
        raise ValueError(
            f"{owner}: conditioning must be one of {CONDITIONINGS} (a "
            "projection discriminator or an auxiliary classifier), got "
            f"{conditioning!r}.")
    if num_classes is None and conditioning != "projection":
        raise ValueError(
            f"{owner}: conditioning={conditioning!r} builds a conditional "
            "discriminator and needs num_classes (the number of classes), "
            "e.g. num_classes=10.")
    return conditioning


def _conditional_discriminator(x, features, num_classes, conditioning,
                               spectral_normalization):
    """The discriminator `keras.Model` on `features` (its last hidden
    layer, computed from the input `x`): for `"projection"` it takes
    `[x, labels]` and returns `w . phi(x) + embed(labels) . phi(x)` (Miyato
    & Koyama 2018); for `"acgan"` it takes `x` and returns `[logit,
    class_logits]` (Odena et al. 2017)."""
    logit = _maybe_spectral(layers.Dense(1, name="logit"),
                            spectral_normalization)(features)
    if conditioning == "acgan":
        class_logits = _maybe_spectral(
            layers.Dense(num_classes, name="class_logits"),
            spectral_normalization)(features)
        return keras.Model(x, [logit, class_logits], name="discriminator")
    labels = keras.Input((1,), dtype="int32", name="labels")
    projection = layers.Flatten()(layers.Embedding(
        num_classes, features.shape[-1], name="class_projection")(labels))
    logit = layers.Add()([logit, layers.Dot(axes=1)([projection, features])])
    return keras.Model([x, labels], logit, name="discriminator")


def _label_input_and_latent(z, num_classes, latent_dim):
    """The generator's label input, and `z` with a label embedding
    concatenated."""
    labels = keras.Input((1,), dtype="int32", name="labels")
    embedded = layers.Flatten()(layers.Embedding(
        num_classes, latent_dim, name=conditional.LABEL_EMBEDDING)(labels))
    return labels, layers.Concatenate()([z, embedded])


def _conditional_mlps(shape, latent_dim, num_classes, hidden_units,
                      activation, output_activation, spectral_normalization,
                      conditioning):
    """A generator `[z, labels] -> x` (a label embedding concatenated to z)
    and a conditional discriminator (`_conditional_discriminator`) on the
    MLP's last hidden layer."""
    z = keras.Input((latent_dim,), name="latent")
    labels, h = _label_input_and_latent(z, num_classes, latent_dim)
    for i, units in enumerate(hidden_units):
        h = layers.Dense(units, activation=activation, name=f"dense_{i}")(h)
    h = layers.Dense(math.prod(shape), activation=output_activation,
                     name="output")(h)
    if len(shape) > 1:
        h = layers.Reshape(shape)(h)
    generator = keras.Model([z, labels], h, name="generator")

    x = keras.Input(shape, name="samples")
    h = layers.Flatten()(x) if len(shape) > 1 else x
    for i, units in enumerate(hidden_units):
        h = _maybe_spectral(
            layers.Dense(units, activation=activation, name=f"dense_{i}"),
            spectral_normalization)(h)
    return generator, _conditional_discriminator(
        x, h, num_classes, conditioning, spectral_normalization)


def mlp_gan(
    data_dim,
    latent_dim,
    hidden_units=(128, 128),
    activation="tanh",
    output_activation=None,
    autoencoder_discriminator=False,
    spectral_normalization=False,
    num_packed=None,
    num_classes=None,
    conditioning="projection",
):
    """Builds the MLP generator, discriminator, autoencoder and encoder.

    These are the networks of the 2-D mixture benchmarks (VEEGAN/PacGAN
    protocol): every network has the hidden layers `hidden_units` with
    `activation`. Data can be vectors (`data_dim` an int) or any shape (a
    tuple: the networks flatten and reshape).

    Args:
        data_dim: int or shape tuple of one sample.
        latent_dim: int, size of the generator's input.
        hidden_units: tuple of ints, the hidden layer widths.
        activation: activation of the hidden layers.
        output_activation: activation of the generator's (and the
            autoencoder's) output; `None` for a linear output, `"tanh"` for
            data scaled to [-1, 1].
        autoencoder_discriminator: bool; when True the discriminator is a
            `kag.models.AutoencoderDiscriminator` (MLP encoder to
            `latent_dim` codes and MLP decoder) for
            `adversarial_loss="ebgan"` or `"began"`.
        spectral_normalization: bool, wrap the discriminator's dense layers
            in `keras.layers.SpectralNormalization` (Miyato et al. 2018).
        num_packed: `None` or an int >= 2: the discriminator starts with
            `kag.layers.PackSamples(num_packed)` and judges that many
            samples jointly (PacGAN, Lin et al. 2018); batches must be a
            multiple of it.
        num_classes: `None` or an int >= 2: class-conditional networks.
            The generator takes `[latent, labels]` (a label embedding
            concatenated to the latent vector), the discriminator
            `[samples, labels]`, a projection discriminator (Miyato & Koyama
            2018); labels are integer class indices of shape `(batch, 1)`.
            The autoencoder and the encoder stay class-agnostic.
        conditioning: how a conditional discriminator uses the classes:
            `"projection"` (default, above) or `"acgan"`, an auxiliary
            classifier (Odena et al. 2017): the discriminator takes the
            samples alone and returns `[logit, class_logits]`; its
            classification loss is `StabilizedGAN`'s `class_loss`.

    Returns:
        `kag.models.GANNetworks(generator, discriminator, autoencoder,
        encoder)`.

    Example:

    >>> import keras_aegan as kag
    >>> nets = kag.models.mlp_gan(2, latent_dim=8, hidden_units=(16,))
    >>> nets.generator.output_shape
    (None, 2)

    Class-conditional networks with an auxiliary classifier (ACGAN):

    >>> acgan = kag.models.mlp_gan(2, 8, hidden_units=(16,), num_classes=4,
    ...                            conditioning="acgan")
    >>> print(*[tuple(t.shape) for t in acgan.generator.inputs])
    (None, 8) (None, 1)
    >>> print(*[tuple(t.shape) for t in acgan.discriminator.outputs])
    (None, 1) (None, 4)
    """
    shape = _as_shape(data_dim)
    latent_dim = validation.check_positive_int("mlp_gan()", "latent_dim",
                                               latent_dim)
    if num_packed is not None and autoencoder_discriminator:
        raise ValueError(
            "mlp_gan(): `num_packed` and `autoencoder_discriminator=True` do "
            "not combine (an autoencoder discriminator reconstructs single "
            "samples); set one of them."
        )
    hidden_units = tuple(
        validation.check_positive_int("mlp_gan()", "hidden_units", units)
        for units in hidden_units)
    conditioning = _check_conditioning("mlp_gan()", conditioning,
                                       num_classes)
    if num_classes is not None:
        num_classes = validation.check_int("mlp_gan()", "num_classes",
                                           num_classes, minimum=2)
        if autoencoder_discriminator or num_packed is not None:
            raise ValueError(
                "mlp_gan(): num_classes builds a conditional (projection or "
                "auxiliary-classifier) discriminator; it does not combine "
                "with autoencoder_discriminator=True or num_packed. Set "
                "num_classes=None for those.")
        if not hidden_units:
            raise ValueError(
                "mlp_gan(): num_classes needs at least one hidden layer (the "
                "conditional discriminator reads its features).")
        generator, discriminator = _conditional_mlps(
            shape, latent_dim, num_classes, hidden_units, activation,
            output_activation, spectral_normalization, conditioning)
        return GANNetworks(
            generator=generator,
            discriminator=discriminator,
            autoencoder=_mlp(shape, shape, hidden_units, activation,
                             output_activation, "autoencoder"),
            encoder=_mlp(shape, (latent_dim,), hidden_units, activation,
                         None, "encoder"),
        )
    if autoencoder_discriminator:
        discriminator = AutoencoderDiscriminator(
            _mlp(shape, (latent_dim,), hidden_units, activation, None,
                 "energy_encoder", spectral_normalization),
            _mlp((latent_dim,), shape, hidden_units, activation,
                 output_activation, "energy_decoder"),
            name="discriminator")
    else:
        discriminator = _mlp(shape, (1,), hidden_units, activation, None,
                             "discriminator", spectral_normalization,
                             num_packed)
    return GANNetworks(
        generator=_mlp((latent_dim,), shape, hidden_units, activation,
                       output_activation, "generator"),
        discriminator=discriminator,
        autoencoder=_mlp(shape, shape, hidden_units, activation,
                         output_activation, "autoencoder"),
        encoder=_mlp(shape, (latent_dim,), hidden_units, activation, None,
                     "encoder"),
    )


def _downsamplings(image_shape, max_steps=2):
    height, width = image_shape[0], image_shape[1]
    steps = 0
    while steps < max_steps and height % 2 == 0 and width % 2 == 0 \
            and height >= 4 and width >= 4:
        height, width, steps = height // 2, width // 2, steps + 1
    return steps, height, width


def _conv_encoder_trunk(inputs, image_shape, filters=32):
    steps, _, _ = _downsamplings(image_shape)
    h = inputs
    for i in range(steps):
        h = layers.Conv2D(filters * 2**i, 3, strides=2, padding="same",
                          activation="relu")(h)
    if steps == 0:
        h = layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
    return layers.Flatten()(h)


def default_autoencoder(data_shape, code_dim=None, output_activation=None):
    """The autoencoder `StabilizedGAN` builds when a term needs one.

    An MLP (two hidden layers of 128 `tanh` units) for vector data, a small
    convolutional autoencoder with a dense bottleneck for images (rank 3).
    """
    data_shape = _as_shape(data_shape, "data_shape")
    if len(data_shape) != 3:
        return _mlp(data_shape, data_shape, (128, 128), "tanh",
                    output_activation, "autoencoder")
    steps, height, width = _downsamplings(data_shape)
    code_dim = code_dim or 64
    inputs = keras.Input(data_shape)
    h = _conv_encoder_trunk(inputs, data_shape)
    h = layers.Dense(code_dim, activation="relu", name="code")(h)
    filters = 32 * 2 ** max(steps - 1, 0)
    h = layers.Dense(height * width * filters, activation="relu")(h)
    h = layers.Reshape((height, width, filters))(h)
    for i in reversed(range(steps)):
        h = layers.Conv2DTranspose(32 * 2**i, 3, strides=2, padding="same",
                                   activation="relu")(h)
    h = layers.Conv2D(data_shape[-1], 3, padding="same",
                      activation=output_activation)(h)
    return keras.Model(inputs, h, name="autoencoder")


def default_encoder(data_shape, latent_dim):
    """The encoder `StabilizedGAN` builds when a term needs one.

    An MLP (two hidden layers of 128 `tanh` units) for vector data, two
    strided convolutions and a dense layer for images (rank 3).
    """
    data_shape = _as_shape(data_shape, "data_shape")
    if len(data_shape) != 3:
        return _mlp(data_shape, (latent_dim,), (128, 128), "tanh", None,
                    "encoder")
    inputs = keras.Input(data_shape)
    h = _conv_encoder_trunk(inputs, data_shape)
    h = layers.Dense(latent_dim, name="latent")(h)
    return keras.Model(inputs, h, name="encoder")


def _image_steps(image_shape):
    """Number of 2x upsamplings from 4x4 to `image_shape`, checked."""
    if (not isinstance(image_shape, (tuple, list)) or len(image_shape) != 3
            or not all(validation.is_int(d) and d > 0 for d in image_shape)):
        raise ValueError(
            "`image_shape` must be a tuple (height, width, channels) of "
            f"positive ints, got {image_shape!r}. Example: (32, 32, 3)."
        )
    height, width, _ = image_shape
    sizes = (8, 16, 32, 64)
    if height != width or height not in sizes:
        raise ValueError(
            f"dcgan() builds square images of side {', '.join(map(str, sizes))}"
            f"; got image_shape={tuple(image_shape)}. Resize the images (e.g. "
            "keras.layers.Resizing) or pass your own networks to "
            "StabilizedGAN."
        )
    return int(math.log2(height // 4))


def _maybe_spectral(layer, spectral_normalization):
    if spectral_normalization:
        return layers.SpectralNormalization(layer)
    return layer


def _conv_down(inputs, steps, filters, spectral_normalization=False):
    h = inputs
    for i in range(steps):
        h = _maybe_spectral(
            layers.Conv2D(filters * 2**i, 4, strides=2, padding="same",
                          name=f"conv_{i}"),
            spectral_normalization)(h)
        h = layers.LeakyReLU(0.2)(h)
    return layers.Flatten()(h)


def _conv_up(inputs, steps, filters, channels, batch_norm, name):
    top = filters * 2 ** (steps - 1)
    h = layers.Dense(4 * 4 * top, name=f"{name}_project")(inputs)
    if batch_norm:
        h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.Reshape((4, 4, top))(h)
    for i in reversed(range(steps)):
        h = layers.Conv2DTranspose(max(filters * 2**i // 2, 8), 4,
                                   strides=2, padding="same",
                                   name=f"{name}_up_{i}")(h)
        if batch_norm:
            h = layers.BatchNormalization()(h)
        h = layers.ReLU()(h)
    return layers.Conv2D(channels, 3, padding="same", activation="tanh",
                         name=f"{name}_output")(h)


def dcgan(image_shape, latent_dim, filters=64, code_dim=None,
          spectral_normalization=False, autoencoder_discriminator=False,
          num_classes=None, conditioning="projection"):
    """Builds DCGAN-style networks for square images of side 8 to 64.

    Generator: dense projection to 4×4, then `Conv2DTranspose` (kernel 4,
    stride 2) + batch normalization + ReLU up to the image size, and a
    `tanh` output (images in [-1, 1]). Discriminator: strided `Conv2D`
    (kernel 4, stride 2) + LeakyReLU(0.2) down to 4×4 and a dense logit,
    with no batch normalization (so gradient penalties work), optionally
    wrapped in Keras' `SpectralNormalization`. Autoencoder: the
    discriminator's trunk, a dense code of `code_dim` units, and a decoder
    shaped like the generator. Encoder: the discriminator's trunk and a
    dense layer to `latent_dim`.

    Args:
        image_shape: `(side, side, channels)`, side in 8, 16, 32, 64.
        latent_dim: int, size of the generator's input.
        filters: int, filters of the first discriminator convolution (they
            double at each downsampling; the generator mirrors them).
        code_dim: int, the autoencoder's bottleneck (default `latent_dim`).
        spectral_normalization: bool, wrap the discriminator's layers in
            `keras.layers.SpectralNormalization`.
        autoencoder_discriminator: bool; when True the discriminator is a
            `kag.models.AutoencoderDiscriminator` (the discriminator's trunk
            to a dense code of `code_dim` units, and a decoder shaped like
            the generator) for `adversarial_loss="ebgan"` or `"began"`.
        num_classes: `None` or an int >= 2: class-conditional networks, as
            in `mlp_gan`: the generator takes `[latent, labels]` (a label
            embedding concatenated to the latent vector), the
            discriminator `[images, labels]` (a projection discriminator on
            its last convolution's features).
        conditioning: `"projection"` (default) or `"acgan"` (the
            discriminator takes the images alone and returns `[logit,
            class_logits]`), as in `mlp_gan`.

    Returns:
        `kag.models.GANNetworks(generator, discriminator, autoencoder,
        encoder)`.

    Example:

    >>> import keras_aegan as kag
    >>> nets = kag.models.dcgan((32, 32, 3), latent_dim=64, filters=16)
    >>> nets.generator.output_shape
    (None, 32, 32, 3)
    >>> nets.discriminator.output_shape
    (None, 1)
    """
    steps = _image_steps(image_shape)
    image_shape = tuple(int(d) for d in image_shape)
    latent_dim = validation.check_positive_int("dcgan()", "latent_dim",
                                               latent_dim)
    filters = validation.check_positive_int("dcgan()", "filters", filters)
    code_dim = validation.check_positive_int(
        "dcgan()", "code_dim", latent_dim if code_dim is None else code_dim)
    channels = image_shape[-1]
    conditioning = _check_conditioning("dcgan()", conditioning, num_classes)
    if num_classes is not None:
        num_classes = validation.check_int("dcgan()", "num_classes",
                                           num_classes, minimum=2)
        if autoencoder_discriminator:
            raise ValueError(
                "dcgan(): num_classes builds a conditional (projection or "
                "auxiliary-classifier) discriminator; it does not combine "
                "with autoencoder_discriminator=True.")

    z = keras.Input((latent_dim,), name="latent")
    inputs, h = z, z
    if num_classes is not None:
        labels, h = _label_input_and_latent(z, num_classes, latent_dim)
        inputs = [z, labels]
    generator = keras.Model(
        inputs, _conv_up(h, steps, filters, channels, True, "generator"),
        name="generator")

    x = keras.Input(image_shape)
    h = _conv_down(x, steps, filters, spectral_normalization)
    if num_classes is not None:
        discriminator = _conditional_discriminator(
            x, h, num_classes, conditioning, spectral_normalization)
    elif autoencoder_discriminator:
        code = _maybe_spectral(layers.Dense(code_dim, name="code"),
                               spectral_normalization)(h)
        z_code = keras.Input((code_dim,))
        discriminator = AutoencoderDiscriminator(
            keras.Model(x, code, name="energy_encoder"),
            keras.Model(z_code, _conv_up(z_code, steps, filters, channels,
                                         False, "energy_decoder"),
                        name="energy_decoder"),
            name="discriminator")
    else:
        logits = _maybe_spectral(layers.Dense(1, name="logit"),
                                 spectral_normalization)(h)
        discriminator = keras.Model(x, logits, name="discriminator")

    x = keras.Input(image_shape)
    code = layers.Dense(code_dim, name="code")(_conv_down(x, steps, filters))
    autoencoder = keras.Model(
        x, _conv_up(code, steps, filters, channels, False, "decoder"),
        name="autoencoder")

    x = keras.Input(image_shape)
    codes = layers.Dense(latent_dim, name="latent")(
        _conv_down(x, steps, filters))
    encoder = keras.Model(x, codes, name="encoder")
    return GANNetworks(generator, discriminator, autoencoder, encoder)

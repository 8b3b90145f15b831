"""DifferentiableAugmentation: DiffAugment for data-efficient GAN training."""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register

POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _adjust_color(x, brightness, saturation, contrast):
    """Brightness shift, saturation and contrast scales, each (B, 1, 1, 1)."""
    x = ops.convert_to_tensor(x)
    brightness, saturation, contrast = (
        ops.cast(m, x.dtype) for m in (brightness, saturation, contrast))
    x = x + brightness
    mean = ops.mean(x, axis=-1, keepdims=True)
    x = (x - mean) * saturation + mean
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * contrast + mean


def _shift(x, shift, axis):
    """`out[b, i] = x[b, i + shift[b]]` along `axis` (1 or 2), zeros outside.

    A gather (differentiable with respect to `x`) followed by a mask.
    """
    x = ops.convert_to_tensor(x)
    size = x.shape[axis]
    index = ops.expand_dims(ops.arange(size, dtype="int32"), 0)
    index = index + ops.expand_dims(ops.cast(shift, "int32"), 1)  # (B, size)
    inside = ops.logical_and(index >= 0, index < size)
    index = ops.clip(index, 0, size - 1)
    view = (-1, size, 1, 1) if axis == 1 else (-1, 1, size, 1)
    shifted = ops.take_along_axis(x, ops.reshape(index, view), axis=axis)
    return shifted * ops.reshape(ops.cast(inside, x.dtype), view)


def _translate(x, shift_height, shift_width):
    """Shifts each image by integer offsets (B,) with zero padding."""
    return _shift(_shift(x, shift_height, 1), shift_width, 2)


def _cutout(x, top, left, cut_height, cut_width):
    """Zeroes rows `top..top+cut_height-1` x columns `left..` of each image."""
    x = ops.convert_to_tensor(x)
    rows = ops.expand_dims(ops.arange(x.shape[1], dtype="int32"), 0)
    cols = ops.expand_dims(ops.arange(x.shape[2], dtype="int32"), 0)
    top = ops.expand_dims(ops.cast(top, "int32"), 1)
    left = ops.expand_dims(ops.cast(left, "int32"), 1)
    in_rows = ops.logical_and(rows >= top, rows < top + cut_height)  # (B, H)
    in_cols = ops.logical_and(cols >= left, cols < left + cut_width)  # (B, W)
    cut = ops.logical_and(ops.expand_dims(in_rows, 2),
                          ops.expand_dims(in_cols, 1))  # (B, H, W)
    mask = 1 - ops.cast(ops.expand_dims(cut, -1), x.dtype)
    return x * mask


def _parse_policy(policy):
    if isinstance(policy, (list, tuple)):
        names = list(policy)
    elif isinstance(policy, str):
        names = [name.strip() for name in policy.split(",")]
        names = [name for name in names if name]
    else:
        names = None
    if names is None or not all(isinstance(name, str) for name in names):
        raise TypeError(
            "DifferentiableAugmentation `policy` must be a comma-separated "
            f"string such as 'color,translation,cutout', got {policy!r} of "
            f"type {type(policy).__name__}."
        )
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(
            "DifferentiableAugmentation `policy` has unknown augmentation(s) "
            f"{', '.join(repr(name) for name in unknown)} (got policy "
            f"{policy!r}). Valid names: "
            f"{', '.join(repr(name) for name in POLICIES)}, comma-separated, "
            "e.g. 'color,translation,cutout'."
        )
    return tuple(names)


@register
class DifferentiableAugmentation(keras.layers.Layer):
    """Random differentiable image augmentations (DiffAugment).

    Applies the same family of random augmentations to every image the
    discriminator sees, real and generated, with fresh random parameters per
    sample. Every operation is differentiable with respect to the images, so
    the generator is trained through the augmentation; this prevents the
    discriminator from memorizing a small training set without leaking the
    augmentations into the generated samples.

    `policy` lists the augmentations, applied in this order:

    - `"color"`: brightness `x + b` with `b ~ U(-0.5, 0.5)`; saturation
      `(x - m) * s + m` with `s ~ U(0, 2)` around each pixel's channel mean
      `m`; contrast `(x - m) * c + m` with `c ~ U(0.5, 1.5)` around the
      image's mean `m`.
    - `"translation"`: shifts the image by random integers `(dy, dx)`,
      each uniform in `[-r, r]` with `r = round(size / 8)` for the height
      and width respectively, padding with zeros.
    - `"cutout"`: sets a square of `round(size / 2)` pixels (per axis) at a
      random position to zero; the square may extend past the border.

    The augmentations run only when `training=True` (as inside `fit`);
    otherwise the layer is the identity. Randomness comes from a
    `keras.random.SeedGenerator`, so the layer works in JAX's stateless,
    jit-compiled training. It expects channels-last images
    `(batch, height, width, channels)` with a static height and width, in
    the data's value range (DiffAugment assumes data in about `[-1, 1]`).

    With `adaptive=True` each image is augmented only with a probability
    `p` that the training adapts (ADA, Karras et al. 2020): after every
    discriminator update `StabilizedGAN` passes the discriminator's logits
    on the real batch to `update_probability`, and every `interval`
    updates `p` moves by `images seen / adjustment_images` towards more
    augmentation when `E[sign(D(x_real))]` over those updates is above
    `target` (the discriminator is sure of the training images: it is
    overfitting them) and towards less otherwise, within [0, 1]. `p`
    starts at 0; it is a weight of the layer (saved with the model, carried
    through JAX's stateless step) and `fit` logs it as `augment_p`. The
    rule reads the sign of logits: use it with a logit loss.

    Reference: Zhao et al. 2020, "Differentiable Augmentation for
    Data-Efficient GAN Training"; Karras et al. 2020, "Training Generative
    Adversarial Networks with Limited Data" (ADA).

    Args:
        policy: comma-separated augmentation names among `"color"`,
            `"translation"` and `"cutout"` (or a list of them); an empty
            string makes the layer the identity.
        seed: int or `None`, the seed of the layer's random generator.
        adaptive: bool, augment with the adaptive probability `p` (above)
            instead of always.
        target: float in (0, 1), the target of `E[sign(D(x_real))]`
            (ADA's 0.6).
        adjustment_images: int >= 1, the number of images over which `p`
            can go from 0 to 1 (ADA's 500,000; smaller adapts faster).
        interval: int >= 1, discriminator updates between adjustments.
        **kwargs: base layer keyword arguments (`name`, `dtype`...).

    Call arguments:
        inputs: images `(batch, height, width, channels)`.
        training: bool; augment only when `True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> import keras_aegan as kag
    >>> layer = kag.layers.DifferentiableAugmentation("translation,cutout",
    ...                                              seed=0)
    >>> images = np.ones((2, 8, 8, 3), "float32")
    >>> augmented = layer(images, training=True)
    >>> tuple(augmented.shape)
    (2, 8, 8, 3)
    >>> bool(keras.ops.all(layer(images) == images))
    True
    """

    def __init__(self, policy="color,translation,cutout", seed=None,
                 adaptive=False, target=0.6, adjustment_images=500_000,
                 interval=4, **kwargs):
        owner = "DifferentiableAugmentation"
        transforms = _parse_policy(policy)
        seed = validation.check_seed(owner, seed)
        self.adaptive = validation.check_bool(owner, "adaptive", adaptive)
        self.target = validation.check_number(owner, "target", target, 0.0,
                                              1.0, low_open=True,
                                              high_open=True)
        self.adjustment_images = validation.check_int(
            owner, "adjustment_images", adjustment_images, 1)
        self.interval = validation.check_int(owner, "interval", interval, 1)
        super().__init__(**kwargs)
        self.policy = ",".join(transforms)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._transforms = transforms
        if self.adaptive:
            # ADA's state: p, and the sums of sign(D(x_real)) and of the
            # images seen since the last adjustment, with the update count.
            self.probability, self._sign_sum, self._seen, self._updates = (
                self.add_weight(shape=(), initializer="zeros",
                                trainable=False, dtype="float32", name=name)
                for name in ("augment_probability", "sign_sum", "seen",
                             "updates"))

    def build(self, input_shape):
        if len(input_shape) != 4 or None in tuple(input_shape)[1:3]:
            raise ValueError(
                "DifferentiableAugmentation expects channels-last images "
                "(batch, height, width, channels) with a known height and "
                f"width, got shape {tuple(input_shape)}."
            )
        self.built = True

    def _uniform(self, batch, low, high, dtype):
        values = keras.random.uniform((batch, 1, 1, 1), low, high,
                                      seed=self.seed_generator)
        return ops.cast(values, dtype)

    def _color(self, x):
        batch = ops.shape(x)[0]
        brightness = self._uniform(batch, -0.5, 0.5, x.dtype)
        saturation = self._uniform(batch, 0.0, 2.0, x.dtype)
        contrast = self._uniform(batch, 0.5, 1.5, x.dtype)
        return _adjust_color(x, brightness, saturation, contrast)

    def _translation(self, x):
        batch = ops.shape(x)[0]
        shifts = []
        for size in x.shape[1:3]:
            limit = int(size * TRANSLATION_RATIO + 0.5)
            shifts.append(keras.random.randint(
                (batch,), -limit, limit + 1, dtype="int32",
                seed=self.seed_generator))
        return _translate(x, *shifts)

    def _cutout(self, x):
        batch = ops.shape(x)[0]
        corners, cut_sizes = [], []
        for size in x.shape[1:3]:
            cut_size = int(size * CUTOUT_RATIO + 0.5)
            # The square's center is uniform in [0, size] (odd cut sizes) or
            # [0, size - 1] (even), as in the reference implementation.
            center = keras.random.randint(
                (batch,), 0, size + 1 - cut_size % 2, dtype="int32",
                seed=self.seed_generator)
            corners.append(center - cut_size // 2)
            cut_sizes.append(cut_size)
        return _cutout(x, *corners, *cut_sizes)

    def call(self, inputs, training=None):
        if not training or not self._transforms:
            return inputs
        x = ops.cast(inputs, self.compute_dtype)
        augmented = x
        for name in self._transforms:
            augmented = getattr(self, f"_{name}")(augmented)
        if not self.adaptive:
            return augmented
        chosen = keras.random.uniform(
            (ops.shape(x)[0], 1, 1, 1), seed=self.seed_generator,
            dtype="float32") < ops.cast(self.probability.value, "float32")
        return ops.where(chosen, augmented, x)

    def update_probability(self, real_logits):
        """ADA's update from the discriminator's logits on a real batch
        (called by `StabilizedGAN` after each discriminator update)."""
        signs = ops.sign(ops.cast(ops.reshape(real_logits, (-1,)),
                                  "float32"))
        probability = self.probability.value
        sign_sum = self._sign_sum.value + ops.sum(signs)
        seen = self._seen.value + ops.cast(ops.shape(signs)[0], "float32")
        updates = self._updates.value + 1.0
        adjust = updates >= float(self.interval)
        step = ops.sign(sign_sum / ops.maximum(seen, 1.0) - self.target) * (
            seen / float(self.adjustment_images))
        self.probability.assign(ops.where(
            adjust, ops.clip(probability + step, 0.0, 1.0), probability))
        zero = ops.zeros((), "float32")
        self._sign_sum.assign(ops.where(adjust, zero, sign_sum))
        self._seen.assign(ops.where(adjust, zero, seen))
        self._updates.assign(ops.where(adjust, zero, updates))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"policy": self.policy, "seed": self.seed,
                       "adaptive": self.adaptive, "target": self.target,
                       "adjustment_images": self.adjustment_images,
                       "interval": self.interval})
        return config

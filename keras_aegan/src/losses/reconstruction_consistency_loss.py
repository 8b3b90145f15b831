"""The reconstruction consistency loss: the autoencoder term of keras_aegan.

Each consistency kind is a small subclass of `ReconstructionConsistencyLoss`
that names itself, lists the networks it needs and computes its term;
`ReconstructionConsistencyLoss(kind=...)` makes the subclass of that kind.
"""

import keras
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register

DISTANCES = ("l2", "l1", "huber")
# The networks a kind may ask StabilizedGAN for (built by compile() when the
# user gave none).
NETWORKS = ("autoencoder", "encoder")
# kind name -> subclass, filled as subclasses are defined.
_KINDS = {}


def kinds():
    """The names of the consistency kinds defined so far."""
    return tuple(_KINDS)


def _kind_class(kind):
    if isinstance(kind, str) and kind in _KINDS:
        return _KINDS[kind]
    raise ValueError(
        f"Unknown consistency kind: {kind!r}. Expected one of "
        f"{', '.join(repr(k) for k in _KINDS)}, or the `kind` of a "
        "ReconstructionConsistencyLoss subclass you defined."
    )


def per_sample_distance(y_true, y_pred, distance="l2", delta=1.0):
    """Mean distance over every non-batch axis, one value per sample."""
    diff = ops.subtract(y_pred, y_true)
    if distance == "l2":
        values = ops.square(diff)
    elif distance == "l1":
        values = ops.abs(diff)
    else:
        abs_diff = ops.abs(diff)
        quadratic = ops.minimum(abs_diff, delta)
        values = 0.5 * ops.square(quadratic) + delta * (abs_diff - quadratic)
    axes = tuple(range(1, len(values.shape)))
    if not axes:
        return values
    return ops.mean(values, axis=axes)


@register
class ReconstructionConsistencyLoss(keras.losses.Loss):
    """Penalizes the distance between a sample and its reconstruction.

    `loss(y_true, y_pred)` is `weight` times the per-sample distance between
    `y_true` and `y_pred` (mean over all non-batch axes), reduced over the
    batch like any Keras loss. It works in a plain `model.compile(loss=...)`.

    In `kag.StabilizedGAN`, `kind` selects which pair is compared:

    - `"manifold"`: `G(z)` vs `stop_gradient(Q(G(z)))`, where `Q` is an
      autoencoder trained on real data only. The generator is pulled towards
      what `Q` can reconstruct, i.e. towards the data manifold.
    - `"data"`: `x` vs `G(E(x))` (mode-regularized GAN, Che et al. 2017): every
      real sample must be reachable by the generator through the encoder `E`.
    - `"latent"`: `z` vs `E(G(z))` (VEEGAN, Srivastava et al. 2017).

    `ReconstructionConsistencyLoss(kind=...)` returns the subclass of that
    kind (`ManifoldConsistencyLoss`, `DataConsistencyLoss`,
    `LatentConsistencyLoss`). **A new kind** is one subclass that sets
    `kind` (its name, usable in `compile(consistency_loss=...)`), `networks`
    (which of `"autoencoder"` and `"encoder"` it needs: `compile()` builds a
    default one when the GAN has none, and the encoder then trains with the
    generator, the autoencoder on the real data) and implements
    `term(gan, x, z, fake)`: the term for the real batch `x`, the latent
    batch `z` and `fake = G(z)`, usually `self(target, prediction)`. Kinds
    that use an autoencoder train it with `autoencoder_loss(gan, x)`.

    Args:
        kind: `"manifold"`, `"data"` or `"latent"`.
        distance: `"l2"` (mean squared difference), `"l1"` (mean absolute
            difference) or `"huber"` (mean Huber loss with `delta`).
        weight: non-negative float multiplying the distance.
        delta: float, the Huber loss threshold (only for `"huber"`).
        noise_level: float >= 0, `"manifold"` only. When positive, the
            autoencoder `Q` is trained as a denoising autoencoder:
            `min_Q ||x - Q(x + s·u·ε)||²` with `ε ~ N(0, I)`, `u ~ U(0, 1)`
            drawn per sample and `s = noise_level ×` the batch's standard
            deviation. A denoising `Q` maps a point near the data towards
            the data (`Q(x) - x` follows the score of the data density,
            Alain & Bengio 2014), so the manifold term pulls generated
            samples onto the data instead of merely towards what an
            identity-like `Q` reproduces.
        batch_fraction: float in (0, 1]. In `kag.StabilizedGAN`, the term
            (and, for the `"manifold"` kind, its autoencoder's update) is
            computed on the first `ceil(batch_fraction * batch_size)`
            samples of each batch only: an unbiased estimate of the same
            mean, with more variance, at a fraction of the cost (the data
            term's extra generator pass is the largest part of the terms'
            cost). 1 (the default) uses the whole batch.
        **loss_kwargs: passed to `keras.losses.Loss` (`reduction`, `name`,
            `dtype`).

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.ReconstructionConsistencyLoss("manifold", weight=2.0)
    >>> float(loss(np.zeros((2, 3)), np.ones((2, 3))))
    2.0
    """

    # The kind's name; set by each subclass.
    kind = None
    # Networks of the GAN the kind needs, from NETWORKS.
    networks = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None:
            if not isinstance(kind, str) or not kind:
                raise TypeError(
                    f"{cls.__name__}.kind must be a non-empty str (the kind's "
                    f"name), got {kind!r}.")
            unknown = sorted(set(cls.networks) - set(NETWORKS))
            if unknown:
                raise ValueError(
                    f"{cls.__name__}.networks lists {unknown}; a consistency "
                    f"kind may ask for {', '.join(map(repr, NETWORKS))} (it "
                    "reads the generator and discriminator from the GAN).")
            _KINDS[kind] = cls

    def __new__(cls, *args, **kwargs):
        if cls is ReconstructionConsistencyLoss:
            cls = _kind_class(kwargs.get("kind", args[0] if args
                                         else "manifold"))
        return super().__new__(cls)

    def __init__(
        self,
        kind=None,
        distance="l2",
        weight=1.0,
        delta=1.0,
        noise_level=0.0,
        batch_fraction=1.0,
        **loss_kwargs,
    ):
        if kind is None:
            kind = type(self).kind
        if kind != type(self).kind:
            raise ValueError(
                f"{type(self).__name__} is the {type(self).kind!r} kind; got "
                f"kind={kind!r}. Use ReconstructionConsistencyLoss("
                f"kind={kind!r}) for that kind.")
        if isinstance(noise_level, bool) or not isinstance(
                noise_level, (int, float)) or noise_level < 0:
            raise ValueError(
                "ReconstructionConsistencyLoss `noise_level` must be a float "
                f">= 0, got {noise_level!r}."
            )
        if noise_level and "autoencoder" not in self.networks:
            raise ValueError(
                f"`noise_level` trains the autoencoder of the 'manifold' term "
                f"as a denoiser; it has no effect on kind={kind!r}. Pass "
                "noise_level=0 for this kind."
            )
        validation.check_choice(None, "consistency distance", distance,
                                DISTANCES)
        if isinstance(batch_fraction, bool) or not isinstance(
                batch_fraction, (int, float)) or not (
                0 < batch_fraction <= 1):
            raise ValueError(
                "ReconstructionConsistencyLoss `batch_fraction` must be a "
                f"float in (0, 1], got {batch_fraction!r}. Example: 0.25 "
                "computes the term on a quarter of each batch; 1 on all of "
                "it.")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise TypeError(
                "ReconstructionConsistencyLoss `weight` must be a float, got "
                f"{weight!r} of type {type(weight).__name__}."
            )
        if weight < 0:
            raise ValueError(
                "ReconstructionConsistencyLoss `weight` must be >= 0, got "
                f"{weight}."
            )
        loss_kwargs.setdefault("name", f"{kind}_consistency")
        super().__init__(**loss_kwargs)
        self.distance = distance
        self.weight = float(weight)
        self.delta = float(delta)
        self.noise_level = float(noise_level)
        self.batch_fraction = float(batch_fraction)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        distance = per_sample_distance(
            y_true, y_pred, distance=self.distance, delta=self.delta
        )
        return ops.multiply(distance, ops.cast(self.weight, distance.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "kind": self.kind,
                "distance": self.distance,
                "weight": self.weight,
                "delta": self.delta,
                "noise_level": self.noise_level,
                "batch_fraction": self.batch_fraction,
            }
        )
        return config

    # ------------------------------------------------------------------
    # What a kind computes in StabilizedGAN's step
    # ------------------------------------------------------------------
    def term(self, gan, x, z, fake):
        """The term added to the generator's loss (a scalar).

        Args:
            gan: the `kag.StabilizedGAN` being trained (its `generator`,
                `discriminator`, `autoencoder`, `encoder`).
            x: the real batch.
            z: the latent batch.
            fake: `gan.generator(z, training=True)`.

        With `batch_fraction < 1`, `x`, `z` and `fake` are the head of the
        batch (and a conditional GAN's `gan` the view with those samples'
        labels): the term needs no code of its own for it.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement term(gan, x, z, fake).")

    def autoencoder_loss(self, gan, x):
        """The autoencoder's loss on the real batch `x` (kinds that list
        `"autoencoder"` in `networks`): `mean ||x - Q(x)||²`, or
        `||x - Q(x + noise)||²` for a denoising autoencoder
        (`noise_level > 0`)."""
        inputs = x
        if self.noise_level:
            batch_size = ops.shape(x)[0]
            scale_shape = (batch_size,) + (1,) * (len(x.shape) - 1)
            scale = gan.replica_random(keras.random.uniform, scale_shape,
                                       dtype=x.dtype)
            scale = scale * (self.noise_level * gan.global_std(x))
            noise = gan.replica_random(keras.random.normal, ops.shape(x),
                                       dtype=x.dtype)
            inputs = x + scale * noise
        reconstruction = gan.autoencoder(inputs, training=True)
        return ops.mean(per_sample_distance(x, reconstruction))


@register
class ManifoldConsistencyLoss(ReconstructionConsistencyLoss):
    """The `"manifold"` kind: `||G(z) - stop_gradient(Q(G(z)))||`, with an
    autoencoder `Q` trained on the real data only (see
    `ReconstructionConsistencyLoss`).

    Example:

    >>> import keras_aegan as kag
    >>> term = kag.losses.ReconstructionConsistencyLoss("manifold",
    ...                                                 noise_level=0.25)
    >>> type(term).__name__, term.networks
    ('ManifoldConsistencyLoss', ('autoencoder',))
    """

    kind = "manifold"
    networks = ("autoencoder",)

    def term(self, gan, x, z, fake):
        target = ops.stop_gradient(gan.autoencoder(fake, training=False))
        return self(target, fake)


@register
class DataConsistencyLoss(ReconstructionConsistencyLoss):
    """The `"data"` kind: `||x - G(E(x))||` (mode-regularized GAN, Che et
    al. 2017); the encoder `E` trains with the generator.

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> term = kag.losses.DataConsistencyLoss(weight=0.3)
    >>> term.kind, term.networks
    ('data', ('encoder',))
    >>> round(float(term(np.zeros((2, 4)), np.ones((2, 4)))), 4)
    0.3
    """

    kind = "data"
    networks = ("encoder",)

    def term(self, gan, x, z, fake):
        codes = gan.encoder(x, training=True)
        return self(x, gan.generator(codes, training=True))


@register
class LatentConsistencyLoss(ReconstructionConsistencyLoss):
    """The `"latent"` kind: `||z - E(G(z))||` (VEEGAN, Srivastava et al.
    2017); the encoder `E` trains with the generator.

    Example:

    >>> import keras_aegan as kag
    >>> nets = kag.models.mlp_gan(2, 8, hidden_units=(16,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    >>> gan.compile(consistency_loss=kag.losses.LatentConsistencyLoss())
    >>> gan.encoder.output_shape
    (None, 8)
    """

    kind = "latent"
    networks = ("encoder",)

    def term(self, gan, x, z, fake):
        return self(z, gan.encoder(fake, training=True))

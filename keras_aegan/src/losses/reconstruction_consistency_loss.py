"""The reconstruction consistency loss: the autoencoder term of keras_aegan."""

import keras
from keras import ops

from keras_aegan.src.api_export import register

KINDS = ("manifold", "data", "latent")
DISTANCES = ("l2", "l1", "huber")


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"Unknown {name}: {value!r}. Expected one of "
            f"{', '.join(repr(c) for c in choices)}."
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
        **loss_kwargs: passed to `keras.losses.Loss` (`reduction`, `name`,
            `dtype`).

    Example:

    >>> import numpy as np
    >>> import keras_aegan as kag
    >>> loss = kag.losses.ReconstructionConsistencyLoss("manifold", weight=2.0)
    >>> float(loss(np.zeros((2, 3)), np.ones((2, 3))))
    2.0
    """

    def __init__(
        self,
        kind="manifold",
        distance="l2",
        weight=1.0,
        delta=1.0,
        noise_level=0.0,
        **loss_kwargs,
    ):
        _check_choice("consistency kind", kind, KINDS)
        if isinstance(noise_level, bool) or not isinstance(
                noise_level, (int, float)) or noise_level < 0:
            raise ValueError(
                "ReconstructionConsistencyLoss `noise_level` must be a float "
                f">= 0, got {noise_level!r}."
            )
        if noise_level and kind != "manifold":
            raise ValueError(
                f"`noise_level` trains the autoencoder of the 'manifold' term "
                f"as a denoiser; it has no effect on kind={kind!r}. Pass "
                "noise_level=0 for this kind."
            )
        _check_choice("consistency distance", distance, DISTANCES)
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
        self.kind = kind
        self.distance = distance
        self.weight = float(weight)
        self.delta = float(delta)
        self.noise_level = float(noise_level)

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
            }
        )
        return config

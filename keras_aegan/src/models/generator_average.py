"""The exponential moving average of the generator's weights.

`StabilizedGAN` keeps it in the compiled training step when compiled with
`generator_ema` (the default) or when `kag.callbacks.GeneratorEMA` asks for
it; this module holds what both share: the argument's check, the average's
construction, its in-step update and the re-estimation of its batch-norm
statistics.
"""

import warnings

import keras
import numpy as np
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.models import conditional

# compile()'s default decay: the average spans about the last 1,000
# generator updates. Measured (docs/benchmarks.md): sampled from this
# average, compile()'s default gains on every protocol.
RECOMMENDED_DECAY = 0.999
# Latent batches (of 64) from which the average's batch-norm statistics
# are re-estimated, once per generator state, before generate() or save()
# use the average.
BATCH_NORM_BATCHES = 200


def resolve(generator_ema):
    """compile()'s `generator_ema` as a decay in [0, 1), or `None` (off)."""
    if isinstance(generator_ema, str):
        if generator_ema != "recommended":
            raise ValueError(
                f"compile(generator_ema={generator_ema!r}): expected "
                "'recommended' (a decay of 0.999), a decay in [0, 1) such "
                "as 0.999, or None (no average).")
        return RECOMMENDED_DECAY
    if generator_ema is None:
        return None
    return validation.check_number("compile()", "generator_ema",
                                   generator_ema, 0, 1, high_open=True)


def build_for_compile(generator, generator_ema):
    """`build()` for compile(generator_ema=...); a generator that Keras
    cannot copy (a subclassed model without `get_config`) gets no average:
    with a warning under the default, an error when a decay was asked
    for."""
    try:
        return build(generator, f"compile(generator_ema={generator_ema!r})",
                     "pass generator_ema=None")
    except ValueError as error:
        if generator_ema != "recommended":
            raise
        warnings.warn(f"{error} Training goes on without the average.",
                      stacklevel=3)
        return None


def build(generator, asked_by, alternative):
    """A frozen copy of `generator`, starting at its weights. When Keras
    cannot copy the generator, raises a ValueError that names `asked_by`
    (what needs the copy) and `alternative` (how to do without it)."""
    try:
        average = keras.models.clone_model(generator)
    except (TypeError, ValueError, NotImplementedError) as error:
        raise ValueError(
            f"{asked_by} keeps a copy of the generator, but Keras cannot "
            f"copy {generator.name!r} (a {type(generator).__name__}: "
            f"{type(error).__name__}: {str(error)[:200]}). Give a "
            "subclassed generator a get_config() returning its "
            "constructor's arguments, or build it with the functional API; "
            f"or {alternative}.") from error
    average.set_weights(generator.get_weights())
    average.trainable = False
    average.name = f"ema_{generator.name}"
    return average


def ramped_decay(decay, updates):
    """`min(decay, (1 + t) / (10 + t))` after the generator's `t`-th
    update (the ramp of `tf.train.ExponentialMovingAverage`'s
    `num_updates`): early on the average spans about the last ninth of the
    updates made, so that a short fit's average is neither mostly its
    initial weights nor far behind a generator that is still learning fast;
    from about `9 / (1 - decay)` updates on (9,000 for 0.999) it is
    `decay`."""
    updates = ops.cast(updates, "float32")
    return ops.minimum(decay, (1.0 + updates) / (10.0 + updates))


def update(average, generator, decay):
    """`average = decay * average + (1 - decay) * weights` for the trainable
    weights of `generator`; its other weights (such as batch-norm
    statistics) are copied. `decay` may be a tensor."""
    for mean, weight in zip(average.weights, generator.weights, strict=True):
        value = ops.cast(weight.value, mean.dtype)
        if weight.trainable:
            rate = ops.cast(decay, mean.dtype)
            value = rate * mean.value + (1.0 - rate) * value
        mean.assign(value)


def _batch_norm_layers(layer):
    """The batch-norm layers in `layer`, nested models included, in order."""
    if isinstance(layer, keras.layers.BatchNormalization):
        return [layer]
    return [found for sublayer in getattr(layer, "layers", [])
            for found in _batch_norm_layers(sublayer)]


def recalibrate_batch_norm(gan, batches, batch_size=64, seed=0):
    """Re-estimates the batch-norm statistics of `gan.ema_generator`: the
    mean over `batches` latent batches of each layer's batch statistics,
    the average running in training mode (its batch-norm layers whose
    counterpart in `gan.generator` is frozen are left alone)."""
    layers = [average for average, live in zip(
        _batch_norm_layers(gan.ema_generator),
        _batch_norm_layers(gan.generator), strict=True) if live.trainable]
    if not layers:
        return
    saved = [(layer.momentum, layer.trainable) for layer in layers]
    rng = np.random.default_rng(seed)
    try:
        for layer in layers:
            layer.trainable = True
        for i in range(batches):
            # moving = i/(i+1) * moving + 1/(i+1) * batch: after the last
            # batch, the mean of the batches' statistics.
            for layer in layers:
                layer.momentum = i / (i + 1.0)
            latents = rng.standard_normal(
                (batch_size, gan.latent_dim)).astype("float32")
            labels = gan._generation_labels(None, batch_size, rng)
            network = gan.ema_generator if labels is None else (
                conditional.Conditioned(gan.ema_generator, labels))
            network(latents, training=True)
    finally:
        for layer, (momentum, trainable) in zip(layers, saved, strict=True):
            layer.momentum, layer.trainable = momentum, trainable

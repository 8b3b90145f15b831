"""GeneratorEMA: an exponential moving average of the generator's weights."""

import keras

from keras_aegan.src import validation


class GeneratorEMA(keras.callbacks.Callback):
    """Keeps an exponential moving average (EMA) of the generator's weights.

    `gan.compile()` keeps one by default (its `generator_ema`); this
    callback sets the decay and the batch-norm re-estimation for one fit,
    for a model compiled with another decay or with `generator_ema=None`.

    After every generator update, inside the compiled training step,
    `ema = decay_t * ema + (1 - decay_t) * weights` for the trainable
    weights (the others, such as batch-norm statistics, are copied), with
    `decay_t = min(decay, (1 + t) / (10 + t))` after the `t`-th generator
    update. Averaged
    generators give smoother, more precise samples than the last iterate
    (Yazıcı et al. 2019, "The unusual effectiveness of averaging in GAN
    training"; used by ProGAN and StyleGAN). The average lives in the model
    as `gan.ema_generator`: it is saved by `save()`, restored by
    `load_model()` and `keras.callbacks.BackupAndRestore`, carried through
    JAX's stateless step, and `gan.generate(n)` samples from it (pass
    `use_ema=False` for the last weights). A model without an average
    starts it at the generator's current weights; later fits continue it.
    After the fit the model's compiled decay applies again.

    Batch normalization: statistics copied from the last weights do not fit
    the averaged weights (with `kag.models.dcgan`'s generator trained as
    WGAN-GP, the average sampled with copied statistics was worse than the
    last weights, and better with re-estimated ones). So at the end of each
    fit the average's batch-norm statistics are re-estimated, as for
    stochastic weight averaging: the average runs in training mode on
    `batch_norm_batches` batches of 64 latent vectors (and random classes
    for a conditional GAN), and each batch-norm layer keeps the mean of its
    batch statistics. Batch-norm layers frozen in the generator keep the
    copied statistics. Nothing changes for a generator without batch
    normalization.

    Only for `kag.StabilizedGAN` models.

    Args:
        decay: float in [0, 1), the weight of the old average at each step
            (0.999 averages over about the last 1,000 steps).
        batch_norm_batches: int >= 0, the number of latent batches from
            which the average's batch-norm statistics are re-estimated at
            the end of each fit (0: keep the statistics copied from the
            generator).

    Example:

    >>> import keras_aegan as kag
    >>> x, _ = kag.datasets.ring(512, seed=0)
    >>> nets = kag.models.mlp_gan(2, latent_dim=4, hidden_units=(16,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> gan.compile(consistency_loss=None, generator_ema=None)
    >>> _ = gan.fit(x, batch_size=128, epochs=1, verbose=0,
    ...             callbacks=[kag.callbacks.GeneratorEMA(decay=0.9)])
    >>> gan.generate(3, seed=0, use_ema=True).shape
    (3, 2)
    """

    def __init__(self, decay=0.999, batch_norm_batches=200):
        super().__init__()
        self.decay = validation.check_number("GeneratorEMA", "decay", decay,
                                             0, 1, high_open=True)
        self.batch_norm_batches = validation.check_int(
            "GeneratorEMA", "batch_norm_batches", batch_norm_batches,
            minimum=0)

    def set_model(self, model):
        # Called when fit() builds its callback list, before it makes the
        # training function: the EMA weights exist before the step is
        # traced (and before JAX collects the training state).
        from keras_aegan.src.models.stabilized_gan import StabilizedGAN

        if not isinstance(model, StabilizedGAN):
            raise TypeError(
                "GeneratorEMA works with kag.StabilizedGAN models, got a "
                f"{type(model).__name__}."
            )
        super().set_model(model)
        model.ema_decay = self.decay

    def on_train_end(self, logs=None):
        self.model._refresh_ema_statistics(self.batch_norm_batches)
        # A later fit without this callback uses the compiled setting.
        self.model.ema_decay = self.model._compiled_ema_decay

"""GeneratorEMA: an exponential moving average of the generator's weights."""

import keras

from keras_aegan.src import validation


class GeneratorEMA(keras.callbacks.Callback):
    """Keeps an exponential moving average (EMA) of the generator's weights.

    After every generator update, inside the compiled training step,
    `ema = decay * ema + (1 - decay) * weights` (non-trainable weights such
    as batch-norm statistics are copied). Averaged generators give smoother,
    more precise samples than the last iterate (Yazıcı et al. 2019, "The
    unusual effectiveness of averaging in GAN training"; used by ProGAN and
    StyleGAN). The average lives in the model as `gan.ema_generator`: it is
    saved by `save()`, restored by `load_model()` and
    `keras.callbacks.BackupAndRestore`, carried through JAX's stateless step,
    and `gan.generate(n, use_ema=True)` samples from it. The first fit with
    this callback starts the average at the generator's current weights;
    later fits continue it.

    Only for `kag.StabilizedGAN` models.

    Args:
        decay: float in [0, 1), the weight of the old average at each step
            (0.999 averages over about the last 1,000 steps).

    Example:

    >>> import keras_aegan as kag
    >>> x, _ = kag.datasets.ring(512, seed=0)
    >>> nets = kag.models.mlp_gan(2, latent_dim=4, hidden_units=(16,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> gan.compile(consistency_loss=None)
    >>> _ = gan.fit(x, batch_size=128, epochs=1, verbose=0,
    ...             callbacks=[kag.callbacks.GeneratorEMA(decay=0.9)])
    >>> gan.generate(3, seed=0, use_ema=True).shape
    (3, 2)
    """

    def __init__(self, decay=0.999):
        super().__init__()
        self.decay = validation.check_number("GeneratorEMA", "decay", decay,
                                             0, 1, high_open=True)

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
        # A later fit without this callback leaves the average alone.
        self.model.ema_decay = None

"""StabilizedGAN: a Keras model that trains a GAN with autoencoder terms.

This module is the public surface: the constructor, `compile`, `fit`,
`evaluate`, `generate`, configuration and saving. The training step is
`keras_aegan/src/trainers/gan_trainer.py` (backend-agnostic) on top of
`keras_aegan/src/backend/<name>/trainer.py`; `compile`'s arguments are
parsed by `compile_args.py` into a `TrainingPlan` the step reads.
"""

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_aegan.src import validation
from keras_aegan.src.api_export import register
from keras_aegan.src.backend import GANTrainer
from keras_aegan.src.losses import adversarial
from keras_aegan.src.models import compile_args
from keras_aegan.src.models import conditional
from keras_aegan.src.models import data_validation
from keras_aegan.src.models import generator_average
from keras_aegan.src.models import network_checks
from keras_aegan.src.models.optimizer_group import OptimizerGroup
from keras_aegan.src.trainers.gan_trainer import BaseGANTrainer
from keras_aegan.src.trainers.plan import build_plan
from keras_aegan.src.trainers.plan import layer_autoencoders

_SEED_KEY = "latent_seed_generator_state"


@register
class StabilizedGAN(GANTrainer, BaseGANTrainer, keras.Model):
    """A GAN whose training is stabilized by autoencoder consistency terms.

    Wraps a generator and a discriminator (plus, when a consistency term needs
    them, an autoencoder `Q` and an encoder `E`) into one `keras.Model` that
    trains with `fit()` on the TensorFlow, JAX and PyTorch backends. Each
    training step:

    1. trains the autoencoder on the real batch, `min_Q ||x - Q(x)||²`, or
       as a denoiser `min_Q ||x - Q(x + noise)||²` when the term's
       `noise_level` is positive (only when the `"manifold"` term is on);
    2. trains the discriminator `discriminator_steps` times on real vs
       generated samples with the adversarial loss;
    3. trains the generator (and the encoder, when a term uses it) with the
       adversarial loss plus every consistency term: `"manifold"`
       `||G(z) - stop_gradient(Q(G(z)))||²`, `"data"` `||x - G(E(x))||²`
       (Che et al. 2017), `"latent"` `||z - E(G(z))||²` (Srivastava et al.
       2017).
    4. updates the exponential moving average of the generator's weights
       (`ema_generator`, compile's `generator_ema`), which `generate()`
       samples from.

    Every network has its own optimizer; all of them, the latent seed
    generator and the networks are model state, saved by `save()` and
    restored by `keras.saving.load_model()`.

    Args:
        generator: `keras.Model` mapping `(batch, latent_dim)` to
            `(batch, *data_shape)`.
        discriminator: `keras.Model` mapping `(batch, *data_shape)` to
            `(batch, 1)` logits.
        latent_dim: int; inferred from the generator's input when `None`.
        autoencoder: `keras.Model` mapping data to data, trained on real data
            only; when `None` and the `"manifold"` term is on, a default one
            is built from the data shape at `compile()`.
        encoder: `keras.Model` mapping data to `(batch, latent_dim)`, trained
            with the generator; when `None` and the `"data"` or `"latent"`
            term is on, a default one is built at `compile()`.
        seed: int or `None`, seed of the latent sampling during training.
        num_classes: int >= 2 or `None`. A class-conditional GAN has a
            generator taking `[latent, labels]` and a discriminator taking
            `[samples, labels]` (integer labels, shape `(batch,)` or
            `(batch, 1)`), or one returning `[logits, class_logits]` (an
            auxiliary classifier, ACGAN), or both; it trains with
            `fit(x, y)` and generates with `generate(n, labels=...)`.
            `None` reads the number of classes from the builders' networks
            (`mlp_gan(..., num_classes=C)`).

    Call arguments:
        inputs: latent vectors `(batch, latent_dim)` (a conditional GAN:
            `[latents, labels]`); returns `generator(inputs)`.

    Example:

    >>> import keras_aegan as kag
    >>> x, _ = kag.datasets.ring(512, seed=0)
    >>> nets = kag.models.mlp_gan(2, latent_dim=8, hidden_units=(32, 32))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> gan.compile(consistency_loss="manifold")
    >>> history = gan.fit(x, batch_size=128, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['ae_loss', 'consistency_loss', 'd_loss', 'g_loss', 'gp_loss']
    >>> gan.generate(4, seed=0).shape
    (4, 2)

    A class-conditional GAN trains on `fit(x, y)` and draws a class on
    demand:

    >>> x, y = kag.datasets.digits()
    >>> nets = kag.models.mlp_gan((8, 8, 1), 8, hidden_units=(32,),
    ...                           output_activation="tanh", num_classes=10)
    >>> cgan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> cgan.num_classes
    10
    >>> cgan.compile(consistency_loss=None)
    >>> _ = cgan.fit(x, y, batch_size=128, epochs=1, verbose=0)
    >>> cgan.generate(3, labels=7, seed=0).shape
    (3, 8, 8, 1)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        autoencoder=None,
        encoder=None,
        seed=None,
        num_classes=None,
        **kwargs,
    ):
        # Validate everything before touching any state.
        network_checks.check_network("generator", generator)
        network_checks.check_network("discriminator", discriminator)
        network_checks.check_not_swapped(generator, discriminator)
        latent_dim = network_checks.infer_latent_dim(generator, latent_dim)
        generator_labels = discriminator_labels = None
        if conditional.check_pair(generator, discriminator):
            generator_labels = conditional.label_shape("generator", generator)
            if conditional.is_conditional(discriminator):
                discriminator_labels = conditional.label_shape(
                    "discriminator", discriminator)
            num_classes = conditional.infer_num_classes(
                generator, num_classes, discriminator)
        elif num_classes is not None:
            raise ValueError(
                f"num_classes={num_classes!r} was given but the networks are "
                "not conditional (they take no class labels). Build them "
                "with num_classes=..., e.g. kag.models.mlp_gan(data_dim, "
                "latent_dim, num_classes=10), or leave num_classes=None.")
        data_shape = network_checks.check_generator(generator, latent_dim,
                                                    generator_labels)
        network_checks.check_discriminator(discriminator, data_shape,
                                           discriminator_labels, num_classes)
        if autoencoder is not None:
            network_checks.check_network("autoencoder", autoencoder)
            network_checks.check_autoencoder(autoencoder, data_shape)
        if encoder is not None:
            network_checks.check_network("encoder", encoder)
            network_checks.check_encoder(encoder, data_shape, latent_dim)
        seed = validation.check_seed(None, seed)

        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.autoencoder = autoencoder
        self.encoder = encoder
        self.latent_dim = latent_dim
        self.seed = seed
        self.num_classes = num_classes
        self.data_shape = data_shape
        self.seed_generator = keras.random.SeedGenerator(
            seed, name="latent_seed_generator"
        )
        # The adversarial loss's own state (e.g. BEGAN's k_t), made by its
        # build(gan) through objective_state_variable().
        self.objective_state = {}
        self.consistency_losses = []
        self.adversarial_loss = None
        self.gradient_penalty = None
        self.discriminator_steps = 1
        self.class_loss_weight = 1.0
        self._init_trainer_state()
        self.built = True

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    # ------------------------------------------------------------------
    # compile
    # ------------------------------------------------------------------
    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        autoencoder_optimizer=None,
        adversarial_loss="non_saturating",
        consistency_loss="recommended",
        gradient_penalty="recommended",
        discriminator_steps=1,
        class_loss_weight=1.0,
        generator_ema="recommended",
        **kwargs,
    ):
        """Configures the GAN for training.

        Args:
            generator_optimizer: optimizer of the generator (and the encoder);
                default `Adam(2e-4, beta_1=0.5)`.
            discriminator_optimizer: default `Adam(2e-4, beta_1=0.5)`.
            autoencoder_optimizer: optimizer of the autoencoder; default
                `Adam(1e-3)`.
            adversarial_loss: `"non_saturating"`, `"minimax"`, `"hinge"`,
                `"wasserstein"`, `"least_squares"`, `"ebgan"`, `"began"`, or
                a `kag.losses` adversarial-loss object. `"ebgan"` and
                `"began"` need a `kag.models.AutoencoderDiscriminator`.
            consistency_loss: `"recommended"` (default: the setup tuned by
                the benchmarks, see
                `kag.models.recommended_consistency_losses()`), `None`,
                `"manifold"`, `"data"`, `"latent"`, a
                `kag.losses.ReconstructionConsistencyLoss`, or a list of these
                (terms are summed into the generator's loss).
            gradient_penalty: `"recommended"` (default: the adversarial
                loss's `recommended_gradient_penalty()`: `R1Penalty(3.0)`
                for the non-saturating, minimax, hinge and least-squares
                losses, R1 and R2 for `"rpgan"`, `GradientPenalty(10.0)`
                for `"wasserstein"`, none for `"ebgan"` and `"began"`),
                `None` (no penalty), or a `kag.regularizers` penalty:
                `R1Penalty(gamma)` (real samples), `R2Penalty(gamma)`
                (generated samples), `ZeroCenteredGradientPenalty(gamma)`
                (both) or `GradientPenalty(weight)` (WGAN-GP): added to the
                discriminator's loss and logged as `gp_loss`.
            discriminator_steps: int >= 1, discriminator updates per
                generator update.
            class_loss_weight: float >= 0, the weight of an auxiliary
                classifier's loss (ACGAN, a discriminator returning
                `[logits, class_logits]`): the cross-entropy of its class
                logits on real and generated samples is added to the
                discriminator's loss, on generated samples to the
                generator's; logged as `class_loss` (the discriminator's
                sum). Only for such a discriminator.
            generator_ema: the exponential moving average (EMA) of the
                generator's weights, updated after every generator update
                inside the training step and sampled by `generate()`:
                `"recommended"` (default: decay 0.999), a decay in [0, 1),
                or `None` (no average; a model that has one drops it).
                Averaged generators give smoother, more precise samples
                than the last iterate (Yazıcı et al. 2019); the decay
                ramps up as `min(decay, (1 + t) / (10 + t))` over the first
                generator updates `t`, so that a short fit's average is
                neither mostly its initial weights nor far behind a
                generator still learning fast. The average's batch-norm
                statistics are re-estimated from 200 latent batches before
                `generate()` or `save()` use it, once per generator state
                (see `kag.callbacks.GeneratorEMA`).
            **kwargs: passed to `keras.Model.compile`: `jit_compile`,
                `steps_per_execution`, `run_eagerly`.

        Example:

        >>> import keras
        >>> import keras_aegan as kag
        >>> nets = kag.models.mlp_gan(2, 8, hidden_units=(16,))
        >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
        >>> gan.compile(
        ...     generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        ...     adversarial_loss="hinge",
        ...     consistency_loss=["manifold", "latent"],
        ...     gradient_penalty=kag.regularizers.R1Penalty(gamma=1.0))
        >>> print(*[term.kind for term in gan.consistency_losses])
        manifold latent
        """
        compile_args.check_keras_kwargs(kwargs)
        optimizers = compile_args.get_optimizers(
            generator_optimizer, discriminator_optimizer,
            autoencoder_optimizer)
        adversarial_loss = adversarial.get(adversarial_loss)
        consistency_losses = compile_args.get_consistency_losses(
            consistency_loss)
        gradient_penalty = compile_args.get_gradient_penalty(
            gradient_penalty, adversarial_loss)
        compile_args.check_objective_fits_discriminator(adversarial_loss,
                                                        self.discriminator)
        compile_args.check_adaptive_augmentation(adversarial_loss,
                                                 self.discriminator)
        discriminator_steps = compile_args.check_discriminator_steps(
            discriminator_steps)
        class_loss_weight = compile_args.check_class_loss_weight(
            class_loss_weight, self.discriminator)
        # Resolved before committing (it is checked against the penalty);
        # the value asked for stays in the saved compile config.
        jit_compile = compile_args.resolve_jit_compile(
            kwargs.get("jit_compile", "auto"),
            kwargs.get("run_eagerly", False))
        compile_args.check_jit_compile(jit_compile, gradient_penalty)
        for autoencoder in layer_autoencoders(self.generator):
            network_checks.check_autoencoder(autoencoder, self.data_shape)
        auto_scale_loss = kwargs.pop("auto_scale_loss", True)
        if auto_scale_loss and self._float16_policy():
            optimizers = compile_args.with_loss_scaling(optimizers)
        ema_decay = generator_average.resolve(generator_ema)
        average = None
        if ema_decay is not None and self.ema_generator is None:
            average = generator_average.build_for_compile(self.generator,
                                                          generator_ema)
            if average is None:
                ema_decay = None

        # Everything is valid: commit.
        for name, network in compile_args.default_networks(
                self, consistency_losses).items():
            setattr(self, name, network)
        self.adversarial_loss = adversarial_loss
        self.consistency_losses = consistency_losses
        self.gradient_penalty = gradient_penalty
        self.discriminator_steps = discriminator_steps
        self.class_loss_weight = class_loss_weight
        self._compiled_ema_decay = ema_decay
        if ema_decay is None and not self._restoring_compile:
            self._drop_ema_generator()
        if average is not None:
            self.ema_generator = average
        self.ema_decay = ema_decay
        self.generator_optimizer = optimizers["generator"]
        self.discriminator_optimizer = optimizers["discriminator"]
        self.autoencoder_optimizer = optimizers["autoencoder"]
        self._keras_compile_kwargs = dict(kwargs)
        if not auto_scale_loss:
            self._keras_compile_kwargs["auto_scale_loss"] = False
        adversarial_loss.build(self)
        for key in adversarial_loss.log_keys:
            self._track(key)
        self._plan = build_plan(self, adversarial_loss, consistency_losses,
                                gradient_penalty)
        members = {group: (optimizers[group], variables)
                   for group, variables in self._plan.variables.items()}
        kwargs.pop("jit_compile", None)
        # Loss scaling is per member optimizer (above), not on the group.
        super().compile(optimizer=OptimizerGroup(members),
                        jit_compile=jit_compile, auto_scale_loss=False,
                        **kwargs)
        self.optimizer.build()

    def _float16_policy(self):
        """Whether the GAN or one of its networks computes in float16."""
        networks = (self, self.generator, self.discriminator,
                    self.autoencoder, self.encoder)
        return any(n is not None and n.dtype_policy.name == "mixed_float16"
                   for n in networks)

    def objective_state_variable(self, name, initial_value=0.0,
                                 dtype="float32"):
        """A scalar, non-trainable model variable for the adversarial
        loss's own state, made once per name (`gan.objective_state[name]`).

        For `AdversarialLoss.build(gan)`: the variable is saved by `save()`,
        restored by `load_model()` (also with `compile=False`), carried
        through JAX's stateless step and synced like every model variable.
        """
        if name not in self.objective_state:
            self.objective_state[name] = keras.Variable(
                initial_value, dtype=dtype, trainable=False, name=name)
        return self.objective_state[name]

    @property
    def balance(self):
        """BEGAN's equilibrium controller `k_t` (a model variable), or
        `None` when the GAN was never compiled with `BEGANLoss`."""
        return self.objective_state.get("balance")

    @property
    def ema_decay(self):
        """The decay of the in-step generator EMA, or `None` (off).

        Setting it (as `kag.callbacks.GeneratorEMA` does before fit makes
        its training function) makes `ema_generator` on first use, starting
        at the generator's weights, and retraces the step for the new
        setting.
        """
        return self._ema_decay

    @ema_decay.setter
    def ema_decay(self, decay):
        if decay is not None:
            decay = validation.check_number("ema_decay", "decay", decay,
                                            low=0.0, high=1.0, high_open=True)
            if self.ema_generator is None:
                self.ema_generator = generator_average.build(
                    self.generator,
                    f"ema_decay={decay} (set by kag.callbacks.GeneratorEMA "
                    "or by hand)",
                    "train without the GeneratorEMA callback and leave "
                    "ema_decay at None")
        if decay != self._ema_decay:
            self._ema_decay = decay
            self.train_function = None

    def _drop_ema_generator(self):
        if self.ema_generator is not None:
            self._tracker.untrack(self.ema_generator)
            self.ema_generator = None

    def _refresh_ema_statistics(
            self, batches=generator_average.BATCH_NORM_BATCHES):
        """Re-estimates the average's batch-norm statistics (on `batches`
        latent batches; 0 keeps the copied ones), once per generator state:
        before `generate()` or `save()` use the average, and at the end of a
        fit with `GeneratorEMA`."""
        optimizer = getattr(self, "generator_optimizer", None)
        updates = -1 if optimizer is None else int(
            ops.convert_to_numpy(optimizer.iterations.value))
        if self.ema_generator is None or self._ema_statistics_at == updates:
            return
        if batches:
            generator_average.recalibrate_batch_norm(self, batches)
        self._ema_statistics_at = updates

    def get_compile_config(self):
        if not self.compiled:
            return {}
        serialize = keras.saving.serialize_keras_object
        return {
            "generator_optimizer": serialize(self.generator_optimizer),
            "discriminator_optimizer": serialize(self.discriminator_optimizer),
            "autoencoder_optimizer": serialize(self.autoencoder_optimizer),
            "adversarial_loss": serialize(self.adversarial_loss),
            "consistency_loss": [serialize(c) for c in
                                 self.consistency_losses] or None,
            "gradient_penalty": serialize(self.gradient_penalty),
            "discriminator_steps": self.discriminator_steps,
            "class_loss_weight": self.class_loss_weight,
            "generator_ema": self._compiled_ema_decay,
            **self._keras_compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        deserialize = keras.saving.deserialize_keras_object
        for key in ("generator_optimizer", "discriminator_optimizer",
                    "autoencoder_optimizer"):
            # Maps built-in optimizers to this backend's classes, so a model
            # saved under one backend loads under another.
            config[key] = keras.optimizers.deserialize(config[key])
        config["adversarial_loss"] = deserialize(config["adversarial_loss"])
        config["gradient_penalty"] = deserialize(
            config.get("gradient_penalty"))
        if config.get("consistency_loss"):
            config["consistency_loss"] = [
                deserialize(c) for c in config["consistency_loss"]
            ]
        # Models saved without the setting kept no average in the step.
        config.setdefault("generator_ema", None)
        # The loaded average stays, also one that GeneratorEMA made for a
        # model compiled without one.
        self._restoring_compile = True
        try:
            self.compile(**config)
        finally:
            self._restoring_compile = False

    # ------------------------------------------------------------------
    # fit / generate
    # ------------------------------------------------------------------
    def _require_compiled(self, method):
        if not getattr(self, "compiled", False):
            raise ValueError(
                f"StabilizedGAN.{method}() was called before compile(). Call "
                "gan.compile() first (with no arguments for the defaults)."
            )

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        autoencoder_warmup_epochs=0,
        **kwargs,
    ):
        """Trains the GAN on real samples `x` (see `keras.Model.fit`).

        `x` may be a NumPy array, a `tf.data.Dataset`, a
        `keras.utils.PyDataset` or a torch `DataLoader`. A conditional GAN
        (networks that take class labels, see `num_classes`) trains on the
        integer labels `y`, or on `(x, y)` batches; an unconditional one
        accepts them and ignores `y`. The data (and a conditional GAN's
        labels) are checked against the networks (shape, dtype, finite
        values, value range, label range) before training.

        Args:
            autoencoder_warmup_epochs: int >= 0; epochs of autoencoder-only
                training on the real data before the GAN training starts
                (needs the `"manifold"` term). Their history is kept in
                `gan.warmup_history`; `callbacks` are not called during the
                warm-up.

        The other arguments are those of `keras.Model.fit`.

        Returns:
            A `keras.callbacks.History`; `history.history` holds `d_loss`,
            `g_loss` and, when they apply, `ae_loss`, `consistency_loss`,
            `gp_loss`, `convergence` and `balance`, per epoch.

        Example:

        >>> import keras_aegan as kag
        >>> x, _ = kag.datasets.ring(256, seed=0)
        >>> nets = kag.models.mlp_gan(2, 8, hidden_units=(16,))
        >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
        >>> gan.compile(consistency_loss="manifold")
        >>> history = gan.fit(x, batch_size=64, epochs=2, verbose=0,
        ...                   autoencoder_warmup_epochs=1)
        >>> print(*sorted(history.history))
        ae_loss consistency_loss d_loss g_loss gp_loss
        >>> warmup = gan.warmup_history.history
        >>> len(history.history["g_loss"]), len(warmup["ae_loss"])
        (2, 1)
        """
        self._require_compiled("fit")
        autoencoder_warmup_epochs = validation.check_int(
            None, "autoencoder_warmup_epochs", autoencoder_warmup_epochs,
            minimum=0)
        if autoencoder_warmup_epochs and not self._plan.trains_autoencoder:
            raise ValueError(
                f"autoencoder_warmup_epochs={autoencoder_warmup_epochs} needs "
                "an autoencoder to warm up, but no consistency term uses one. "
                "Compile with consistency_loss='manifold' (or a list holding "
                "it), or set autoencoder_warmup_epochs=0."
            )
        self._validate_data(x)
        self._validate_labels(x, y)
        data_validation.check_batches_pack(self.discriminator, x, batch_size)
        if autoencoder_warmup_epochs:
            plan = self._plan
            self._plan = dataclasses.replace(plan, phase="autoencoder")
            self.train_function = None
            try:
                self.warmup_history = super().fit(
                    x,
                    y,
                    batch_size=batch_size,
                    epochs=autoencoder_warmup_epochs,
                    verbose=verbose,
                    shuffle=kwargs.get("shuffle", True),
                )
            finally:
                self._plan = plan
                self.train_function = None
        return super().fit(
            x,
            y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            **kwargs,
        )

    def evaluate(self, x=None, y=None, **kwargs):
        """Computes the training losses on `x` without changing weights."""
        self._require_compiled("evaluate")
        self._validate_data(x)
        self._validate_labels(x, y)
        return super().evaluate(x, y, **kwargs)

    def _validate_data(self, x):
        data_validation.validate_data(
            x, self.data_shape,
            network_checks.output_activation_name(self.generator))

    def _validate_labels(self, x, y):
        """A conditional GAN's labels: `y` for array data, the first
        batch's for a dataset of `(x, y)` batches (the step itself refuses
        batches without labels from other iterables)."""
        if self.num_classes is None:
            return
        if isinstance(x, np.ndarray):
            if y is None:
                raise conditional.missing_labels_error(self.num_classes,
                                                       "got y=None")
            conditional.check_labels(y, self.num_classes, len(x))
            return
        labels = data_validation.first_batch_labels(x)
        if labels is None:
            raise conditional.missing_labels_error(
                self.num_classes, "the first batch has no labels")
        if labels is not False:
            conditional.check_labels(labels, self.num_classes, None,
                                     "fit() (the first batch)")

    def generate(self, num_samples, seed=None, batch_size=1024,
                 use_ema=None, labels=None):
        """Generates `num_samples` samples as a NumPy array.

        The latent vectors are drawn with NumPy (`np.random.default_rng(seed)`),
        so the same `seed` gives the same latents on every backend.

        Args:
            num_samples: int > 0.
            seed: int or `None`.
            batch_size: int, samples per generator call.
            use_ema: `None` (default): the exponential moving average of
                the generator's weights when the model keeps one (compile's
                `generator_ema`, or `kag.callbacks.GeneratorEMA`), else the
                generator; `True`: the average (an error without one);
                `False`: the generator's own, last weights.
            labels: a conditional GAN's classes: an int (every sample of
                that class) or integer array of `num_samples` labels;
                `None` draws them uniformly from the `num_classes` classes
                (with `seed`). Unconditional GANs take no labels.

        Returns:
            NumPy array of shape `(num_samples, *data_shape)`.

        Example:

        >>> import numpy as np
        >>> import keras_aegan as kag
        >>> nets = kag.models.mlp_gan(2, 8, hidden_units=(16,))
        >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
        >>> samples = gan.generate(100, seed=0)
        >>> samples.shape, samples.dtype
        ((100, 2), dtype('float32'))
        >>> bool(np.array_equal(samples, gan.generate(100, seed=0)))
        True
        """
        num_samples = validation.check_int("generate()", "num_samples",
                                           num_samples, minimum=1)
        batch_size = validation.check_int("generate()", "batch_size",
                                          batch_size, minimum=1)
        if use_ema not in (None, True, False):
            raise TypeError(
                f"generate(use_ema={use_ema!r}): expected None (the average "
                "when the model keeps one), True or False.")
        generator = self.generator
        if use_ema and self.ema_generator is None:
            raise ValueError(
                "generate(use_ema=True): this model keeps no average of the "
                "generator's weights. Compile it with generator_ema="
                "'recommended' (the default) or a decay, or train it with "
                "kag.callbacks.GeneratorEMA() among the fit() callbacks; or "
                "call generate(use_ema=False).")
        if use_ema is not False and self.ema_generator is not None:
            self._refresh_ema_statistics()
            generator = self.ema_generator
        rng = np.random.default_rng(seed)
        latents = rng.standard_normal(
            (int(num_samples), self.latent_dim)
        ).astype("float32")
        labels = self._generation_labels(labels, num_samples, rng)
        outputs = []
        for i in range(0, int(num_samples), int(batch_size)):
            network = generator if labels is None else (
                conditional.Conditioned(generator, labels[i:i + batch_size]))
            outputs.append(ops.convert_to_numpy(
                network(latents[i:i + batch_size], training=False)))
        return np.concatenate(outputs, axis=0)

    def _generation_labels(self, labels, num_samples, rng):
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(
                    "generate(labels=...): this GAN is not conditional (its "
                    "networks take no class labels); call generate() "
                    "without labels.")
            return None
        if labels is None:
            return rng.integers(0, self.num_classes, size=int(num_samples),
                                dtype="int32")
        if validation.is_int(labels):
            labels = np.full(int(num_samples), labels)
        return conditional.check_labels(labels, self.num_classes,
                                        int(num_samples), "generate()")

    # ------------------------------------------------------------------
    # Serialization
    # ------------------------------------------------------------------
    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "generator": serialize(self.generator),
            "discriminator": serialize(self.discriminator),
            "autoencoder": serialize(self.autoencoder),
            "encoder": serialize(self.encoder),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "num_classes": self.num_classes,
            "ema": self.ema_generator is not None,
            "objective_state": {name: variable.dtype for name, variable
                                in self.objective_state.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator", "autoencoder", "encoder"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(
                    config[key], custom_objects=custom_objects
                )
        if config.get("dtype") is not None:
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        ema = config.pop("ema", False)
        objective_state = config.pop("objective_state", {})
        model = cls(**config)
        # The structure the saved weights load into, also without compile.
        if ema:
            model.ema_generator = generator_average.build(
                model.generator, "The saved model's generator average",
                "save it from a model compiled with generator_ema=None")
        for name, dtype in objective_state.items():
            model.objective_state_variable(name, dtype=dtype)
        return model

    def save_own_variables(self, store):
        # Before the networks' variables are saved (Keras saves a model's
        # own variables first): the average's statistics fit its weights.
        self._refresh_ema_statistics()
        super().save_own_variables(store)
        store[_SEED_KEY] = ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store):
        keys = [k for k in store.keys() if k != _SEED_KEY]
        super().load_own_variables({k: store[k] for k in keys})
        if _SEED_KEY in store.keys():
            self.seed_generator.state.assign(store[_SEED_KEY])

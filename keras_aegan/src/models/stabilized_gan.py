"""StabilizedGAN: a Keras model that trains a GAN with autoencoder terms."""

import functools

import keras
import numpy as np
from keras import ops

from keras_aegan.src.api_export import register
from keras_aegan.src.backend import GANTrainer
from keras_aegan.src.backend import distributed
from keras_aegan.src.layers.reconstruction_consistency import (
    ReconstructionConsistency,
)
from keras_aegan.src.losses import adversarial
from keras_aegan.src.losses.reconstruction_consistency_loss import KINDS
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    ReconstructionConsistencyLoss,
)
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    per_sample_distance,
)
from keras_aegan.src.models import data_checks
from keras_aegan.src.models.builders import default_autoencoder
from keras_aegan.src.models.autoencoder_discriminator import (
    AutoencoderDiscriminator,
)
from keras_aegan.src.models.builders import default_encoder
from keras_aegan.src.models.optimizer_group import OptimizerGroup
from keras_aegan.src.regularizers import gradient_penalties

LOG_KEYS = ("d_loss", "g_loss", "ae_loss", "consistency_loss", "gp_loss",
            "convergence")
KERAS_COMPILE_KWARGS = ("run_eagerly", "steps_per_execution", "jit_compile",
                        "auto_scale_loss")
_SEED_KEY = "latent_seed_generator_state"


def _default_gan_optimizer():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def _get_optimizer(name, value, default_fn):
    if value is None:
        return default_fn()
    if isinstance(value, keras.optimizers.Optimizer):
        return value
    if isinstance(value, (str, dict)):
        try:
            return keras.optimizers.get(value)
        except ValueError as e:
            raise ValueError(
                f"`{name}`: could not make an optimizer from {value!r} ({e}). "
                "Pass a keras.optimizers.Optimizer instance, e.g. "
                "keras.optimizers.Adam(2e-4, beta_1=0.5)."
            ) from None
    raise TypeError(
        f"`{name}` must be a keras.optimizers.Optimizer (or its name), got "
        f"{value!r} of type {type(value).__name__}. Example: "
        f"{name}=keras.optimizers.Adam(2e-4, beta_1=0.5)."
    )


def recommended_consistency_losses():
    """The consistency terms `compile()` uses by default.

    Tuned with `benchmarks/mixtures.py` (docs/benchmarks.md):

    - the manifold term with a denoising autoencoder (`noise_level=0.25`)
      and an L1 distance, weight 1: a denoising `Q` points towards the data,
      and an L1 pull has the same strength at any distance, so samples snap
      onto the modes (high sample quality). A larger weight overrides the
      adversarial signal and collapses modes; the seed's plain L2 manifold
      term (an identity-like autoencoder) neither covers nor sharpens them;
    - the data term (`||x - G(E(x))||²`, Che et al. 2017) at weight 0.3:
      every real sample must stay reachable, which evens out the coverage
      (lower reverse KL) at a small cost in sample quality.

    Returns:
        A new list of `kag.losses.ReconstructionConsistencyLoss` objects.

    Example:

    >>> import keras_aegan as kag
    >>> for term in kag.models.recommended_consistency_losses():
    ...     print(term.kind, term.weight)
    manifold 1.0
    data 0.3
    """
    return [
        ReconstructionConsistencyLoss("manifold", distance="l1",
                                      noise_level=0.25, weight=1.0),
        ReconstructionConsistencyLoss("data", weight=0.3),
    ]


def _get_consistency_losses(value):
    if value is None:
        return []
    if isinstance(value, str) and value == "recommended":
        return recommended_consistency_losses()
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    losses = []
    for item in items:
        if isinstance(item, ReconstructionConsistencyLoss):
            losses.append(item)
        elif isinstance(item, str) and item in KINDS:
            losses.append(ReconstructionConsistencyLoss(kind=item))
        elif isinstance(item, str):
            raise ValueError(
                f"Unknown consistency_loss: {item!r}. Expected None, "
                "'recommended', one of "
                f"{', '.join(repr(k) for k in KINDS)}, a "
                "kag.losses.ReconstructionConsistencyLoss, or a list of these."
            )
        else:
            raise TypeError(
                "consistency_loss must be None, a string "
                f"({', '.join(repr(k) for k in KINDS)}), a "
                "kag.losses.ReconstructionConsistencyLoss or a list of these; "
                f"got {item!r} of type {type(item).__name__}."
            )
    kinds = [loss.kind for loss in losses]
    duplicated = sorted({k for k in kinds if kinds.count(k) > 1})
    if duplicated:
        raise ValueError(
            f"consistency_loss lists the kind(s) {duplicated} more than once; "
            "give each kind once and set its `weight` instead."
        )
    return losses


@register
class StabilizedGAN(GANTrainer, keras.Model):
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

    Call arguments:
        inputs: latent vectors `(batch, latent_dim)`; returns
            `generator(inputs)`.

    Example:

    >>> import keras_aegan as kag
    >>> x, _ = kag.datasets.ring(512, seed=0)
    >>> nets = kag.models.mlp_gan(2, latent_dim=8, hidden_units=(32, 32))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> gan.compile(consistency_loss="manifold")
    >>> history = gan.fit(x, batch_size=128, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['ae_loss', 'consistency_loss', 'd_loss', 'g_loss']
    >>> gan.generate(4, seed=0).shape
    (4, 2)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        autoencoder=None,
        encoder=None,
        seed=None,
        **kwargs,
    ):
        # Validate everything before touching any state.
        data_checks.check_network("generator", generator)
        data_checks.check_network("discriminator", discriminator)
        latent_dim = data_checks.infer_latent_dim(generator, latent_dim)
        data_shape = data_checks.check_generator(generator, latent_dim)
        data_checks.check_discriminator(discriminator, data_shape)
        if autoencoder is not None:
            data_checks.check_network("autoencoder", autoencoder)
            data_checks.check_autoencoder(autoencoder, data_shape)
        if encoder is not None:
            data_checks.check_network("encoder", encoder)
            data_checks.check_encoder(encoder, data_shape, latent_dim)
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, int)):
            raise TypeError(f"`seed` must be an int or None, got {seed!r}.")

        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.autoencoder = autoencoder
        self.encoder = encoder
        self.latent_dim = latent_dim
        self.seed = seed
        self.data_shape = data_shape
        self.seed_generator = keras.random.SeedGenerator(
            seed, name="latent_seed_generator"
        )
        # BEGAN's equilibrium controller k_t: model state for every GAN (a
        # scalar), so saving and loading never depend on the loss in use.
        self.balance = self.add_weight(
            shape=(), initializer="zeros", trainable=False, dtype="float32",
            name="began_balance")
        self._trackers = {k: keras.metrics.Mean(name=k) for k in LOG_KEYS}
        self._phase = "gan"
        self.consistency_losses = []
        self.adversarial_loss = None
        self.gradient_penalty = None
        self.discriminator_steps = 1
        # Exponential moving average of the generator's weights, made by
        # kag.callbacks.GeneratorEMA (model state once it exists).
        self.ema_generator = None
        self._ema_decay = None
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
        gradient_penalty=None,
        discriminator_steps=1,
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
            gradient_penalty: `None`, `kag.regularizers.R1Penalty(gamma)` or
                `kag.regularizers.GradientPenalty(weight)`: added to the
                discriminator's loss and logged as `gp_loss`.
            discriminator_steps: int >= 1, discriminator updates per
                generator update.
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
        for name in ("optimizer", "loss", "loss_weights", "metrics",
                     "weighted_metrics"):
            if name in kwargs:
                raise ValueError(
                    f"StabilizedGAN.compile() does not take `{name}`: a GAN "
                    "has one optimizer per network and its own losses. Use "
                    "generator_optimizer/discriminator_optimizer/"
                    "autoencoder_optimizer, adversarial_loss and "
                    "consistency_loss."
                )
        unknown = sorted(set(kwargs) - set(KERAS_COMPILE_KWARGS))
        if unknown:
            raise TypeError(
                f"StabilizedGAN.compile() got unexpected argument(s) {unknown}."
                f" Accepted Keras arguments: {', '.join(KERAS_COMPILE_KWARGS)}."
            )
        optimizers = {
            "generator": _get_optimizer(
                "generator_optimizer", generator_optimizer,
                _default_gan_optimizer),
            "discriminator": _get_optimizer(
                "discriminator_optimizer", discriminator_optimizer,
                _default_gan_optimizer),
            "autoencoder": _get_optimizer(
                "autoencoder_optimizer", autoencoder_optimizer,
                lambda: keras.optimizers.Adam(1e-3)),
        }
        if len({id(o) for o in optimizers.values()}) < len(optimizers):
            raise ValueError(
                "The same optimizer instance was passed for two networks; "
                "each network needs its own optimizer (its moments are per "
                "variable). Pass separate instances."
            )
        adversarial_loss = adversarial.get(adversarial_loss)
        consistency_losses = _get_consistency_losses(consistency_loss)
        gradient_penalty = gradient_penalties.get(gradient_penalty)
        energy_discriminator = isinstance(self.discriminator,
                                          AutoencoderDiscriminator)
        if adversarial_loss.energy_based and not energy_discriminator:
            raise ValueError(
                f"adversarial_loss={adversarial_loss!r} scores samples by "
                "reconstruction energy and needs a "
                "kag.models.AutoencoderDiscriminator(encoder, decoder) as the "
                f"discriminator; got a {type(self.discriminator).__name__}. "
                "Wrap an encoder and a decoder in AutoencoderDiscriminator, "
                "or use a logit loss such as 'non_saturating'."
            )
        if energy_discriminator and not adversarial_loss.energy_based:
            raise ValueError(
                "The discriminator is a kag.models.AutoencoderDiscriminator, "
                "whose output is a reconstruction energy, not a logit; "
                f"adversarial_loss={adversarial_loss!r} expects logits. Use "
                "adversarial_loss='ebgan' or 'began'."
            )
        if (isinstance(discriminator_steps, bool)
                or not isinstance(discriminator_steps, int)
                or discriminator_steps < 1):
            raise ValueError(
                "`discriminator_steps` must be an int >= 1 (discriminator "
                f"updates per generator update), got {discriminator_steps!r}."
            )

        for autoencoder in self._layer_autoencoders():
            data_checks.check_autoencoder(autoencoder, self.data_shape)
        kinds = {loss.kind for loss in consistency_losses}
        autoencoder, encoder = self.autoencoder, self.encoder
        if "manifold" in kinds and autoencoder is None:
            autoencoder = default_autoencoder(
                self.data_shape,
                output_activation=data_checks.output_activation_name(
                    self.generator),
            )
        if kinds & {"data", "latent"} and encoder is None:
            encoder = default_encoder(self.data_shape, self.latent_dim)

        auto_scale_loss = kwargs.pop("auto_scale_loss", True)
        if auto_scale_loss and self._float16_policy():
            # Like keras.Model.compile, per network: float16 gradients
            # underflow without a dynamic loss scale.
            optimizers = {
                k: o if isinstance(o, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(
                    o, name=f"{k}_loss_scale_optimizer")
                for k, o in optimizers.items()
            }

        # Everything is valid: commit.
        self.autoencoder = autoencoder
        self.encoder = encoder
        self.adversarial_loss = adversarial_loss
        self.consistency_losses = consistency_losses
        self.gradient_penalty = gradient_penalty
        self.discriminator_steps = discriminator_steps
        self.generator_optimizer = optimizers["generator"]
        self.discriminator_optimizer = optimizers["discriminator"]
        self.autoencoder_optimizer = optimizers["autoencoder"]
        self._keras_compile_kwargs = dict(kwargs)
        if not auto_scale_loss:
            self._keras_compile_kwargs["auto_scale_loss"] = False

        members = {
            "generator": (optimizers["generator"],
                          functools.partial(self._group_variables,
                                            "generator")),
            "discriminator": (optimizers["discriminator"],
                              functools.partial(self._group_variables,
                                                "discriminator")),
        }
        if self._trains_autoencoder:
            members["autoencoder"] = (
                optimizers["autoencoder"],
                functools.partial(self._group_variables, "autoencoder"),
            )
        jit_compile = kwargs.pop("jit_compile", "auto")
        if jit_compile == "auto":
            # XLA on TensorFlow (Keras would skip it on CPU-only machines;
            # not under a multi-replica tf.distribute strategy) and JAX;
            # eager on torch, like Keras.
            jit_compile = (keras.backend.backend() != "torch"
                           and not kwargs.get("run_eagerly", False)
                           and distributed.xla_compatible())
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

    @property
    def _uses_encoder(self):
        return any(c.kind in ("data", "latent")
                   for c in self.consistency_losses)

    @property
    def _manifold_term(self):
        return any(c.kind == "manifold" for c in self.consistency_losses)

    @property
    def _spectral_discriminator(self):
        """Whether the discriminator holds a SpectralNormalization layer."""
        return any(isinstance(layer, keras.layers.SpectralNormalization)
                   for layer in data_checks.nested_layers(self.discriminator))

    def _layer_autoencoders(self):
        """Autoencoders of the generator's ReconstructionConsistency layers,
        each once, leaving out the manifold term's own autoencoder."""
        found, seen = [], set()
        if self._manifold_term:
            seen.add(id(self.autoencoder))
        for layer in data_checks.nested_layers(
                self.generator,
                descend=lambda layer: not isinstance(
                    layer, ReconstructionConsistency)):
            if (isinstance(layer, ReconstructionConsistency)
                    and id(layer.autoencoder) not in seen):
                seen.add(id(layer.autoencoder))
                found.append(layer.autoencoder)
        return found

    @property
    def _trains_autoencoder(self):
        return self._manifold_term or bool(self._layer_autoencoders())

    def _autoencoders(self):
        """Every autoencoder trained on the real data."""
        return (([self.autoencoder] if self._manifold_term else [])
                + self._layer_autoencoders())

    def _group_variables(self, group):
        if group == "generator":
            variables = list(self.generator.trainable_variables)
            if self._uses_encoder:
                variables += self.encoder.trainable_variables
            # Autoencoders inside the generator (ReconstructionConsistency
            # layers) learn from the real data only.
            excluded = {id(v) for ae in self._layer_autoencoders()
                        for v in ae.trainable_variables}
            return [v for v in variables if id(v) not in excluded]
        if group == "autoencoder":
            variables, seen = [], set()
            for autoencoder in self._autoencoders():
                for v in autoencoder.trainable_variables:
                    if id(v) not in seen:
                        seen.add(id(v))
                        variables.append(v)
            return variables
        return list(getattr(self, group).trainable_variables)

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
        self.compile(**config)

    # ------------------------------------------------------------------
    # The training algorithm, written once in keras.ops.
    # ------------------------------------------------------------------
    @property
    def metrics(self):
        trackers = getattr(self, "_trackers", None)
        if not trackers or not getattr(self, "compiled", False):
            return []
        return [trackers[k] for k in self._log_keys()]

    def _log_keys(self):
        if self._phase == "autoencoder":
            return ["ae_loss"]
        keys = ["d_loss", "g_loss"]
        if self._trains_autoencoder:
            keys.append("ae_loss")
        if self.consistency_losses:
            keys.append("consistency_loss")
        if self.gradient_penalty is not None:
            keys.append("gp_loss")
        if self._is_began:
            keys.append("convergence")
        return keys

    @property
    def _is_began(self):
        return isinstance(self.adversarial_loss, adversarial.BEGANLoss)

    def _sample_latent(self, batch_size):
        return self._replica_random(
            keras.random.normal, (batch_size, self.latent_dim),
            dtype=self.generator.compute_dtype)

    @staticmethod
    def _global_std(x):
        """`ops.std(x)` over the global batch, also across replicas."""
        if distributed.replica_context()[0] == 1:
            return ops.std(x)
        mean, square = distributed.all_reduce_mean(
            [ops.mean(x), ops.mean(ops.square(x))])
        return ops.sqrt(ops.maximum(square - ops.square(mean), 0.0))

    def _replica_random(self, draw, shape, dtype):
        """`draw(shape)` with the model's seed generator, for this
        replica's slice of the global batch.

        With several replicas (a tf.distribute strategy, a torch.distributed
        group), every replica draws the global batch's values from the same
        seed state and keeps its own slice: the same values as one device
        with the global batch, instead of one copy per replica.
        """
        num_replicas, index = distributed.replica_context()
        if num_replicas == 1:
            return draw(shape, seed=self.seed_generator, dtype=dtype)
        rest = tuple(shape[1:])
        values = draw((num_replicas * shape[0],) + rest,
                      seed=self.seed_generator, dtype=dtype)
        values = ops.reshape(values, (num_replicas, shape[0]) + rest)
        return ops.take(values, index, axis=0)

    def _update(self, group, loss_fn, training):
        if not training:
            return loss_fn()
        optimizer = self.optimizer.members[group]
        return self._minimize(
            loss_fn, self.optimizer.member_variables(group), optimizer
        )

    def _autoencoder_loss(self, x):
        loss = None
        if self._manifold_term:
            loss = self._manifold_autoencoder_loss(x)
        for autoencoder in self._layer_autoencoders():
            value = ops.mean(per_sample_distance(
                x, autoencoder(x, training=True)))
            loss = value if loss is None else loss + value
        return loss, None

    def _manifold_autoencoder_loss(self, x):
        noise_level = max(c.noise_level for c in self.consistency_losses
                          if c.kind == "manifold")
        inputs = x
        if noise_level:
            batch_size = ops.shape(x)[0]
            scale_shape = (batch_size,) + (1,) * (len(x.shape) - 1)
            scale = self._replica_random(keras.random.uniform, scale_shape,
                                         dtype=x.dtype)
            scale = scale * (noise_level * self._global_std(x))
            noise = self._replica_random(keras.random.normal, ops.shape(x),
                                         dtype=x.dtype)
            inputs = x + scale * noise
        reconstruction = self.autoencoder(inputs, training=True)
        return ops.mean(per_sample_distance(x, reconstruction))

    def _discriminator_loss(self, x, z):
        """The discriminator's loss and, as aux, `(penalty, (real, fake))`:
        the gradient penalty (or None) and the mean real and fake outputs
        (BEGAN's energies)."""
        fake = ops.stop_gradient(self.generator(z, training=True))
        joint = self._spectral_discriminator
        if joint:
            # Keras' SpectralNormalization rewrites its kernel in place at
            # every training call (one power iteration); a second call would
            # invalidate the first one's graph on torch. One pass over real
            # and fake together normalizes once per step on every backend.
            logits = self.discriminator(ops.concatenate([x, fake], axis=0),
                                        training=True)
            real_logits, fake_logits = ops.split(logits, 2, axis=0)
            extra = self.discriminator.losses
        else:
            real_logits = self.discriminator(x, training=True)
            # Weight regularizers and add_loss() terms of the discriminator.
            extra = self.discriminator.losses
            fake_logits = self.discriminator(fake, training=True)
        # Losses in float32 under mixed precision, as in Keras.
        real_logits = ops.cast(real_logits, "float32")
        fake_logits = ops.cast(fake_logits, "float32")
        if self._is_began:
            loss = self.adversarial_loss.discriminator_loss(
                real_logits, fake_logits,
                balance=ops.cast(self.balance.value, real_logits.dtype))
        else:
            loss = self.adversarial_loss.discriminator_loss(
                real_logits, fake_logits)
        if extra:
            loss = loss + ops.cast(ops.sum(extra), loss.dtype)
        penalty = None
        if self.gradient_penalty is not None:
            # With spectral normalization the step's kernel is already
            # normalized: no further power iteration (see above).
            penalty = self.gradient_penalty(
                self.discriminator, x, fake, seed=self.seed_generator,
                training=not joint)
            loss = loss + ops.cast(penalty, loss.dtype)
        energies = (ops.stop_gradient(ops.mean(real_logits)),
                    ops.stop_gradient(ops.mean(fake_logits)))
        return loss, (penalty, energies)

    def _consistency_term(self, loss, x, z, fake):
        if loss.kind == "manifold":
            target = ops.stop_gradient(self.autoencoder(fake, training=False))
            value = loss(target, fake)
        elif loss.kind == "data":
            codes = self.encoder(x, training=True)
            value = loss(x, self.generator(codes, training=True))
        else:
            value = loss(z, self.encoder(fake, training=True))
        # The local-batch mean, like the other terms (Keras losses divide
        # by the replicas under a tf.distribute strategy).
        return distributed.unscale_keras_loss(value)

    def _generator_loss(self, x, z):
        fake = self.generator(z, training=True)
        # Weight regularizers and add_loss() terms of the generator (e.g. a
        # kag.layers.ReconstructionConsistency layer), read before any other
        # generator call clears them.
        extra = self.generator.losses
        if isinstance(self.adversarial_loss, adversarial.EBGANLoss):
            fake_logits, codes = self.discriminator.energy_and_codes(
                fake, training=True)
            loss = self.adversarial_loss.generator_loss(
                ops.cast(fake_logits, "float32"), ops.cast(codes, "float32"))
        else:
            fake_logits = self.discriminator(fake, training=True)
            # Losses in float32 under mixed precision, as in Keras.
            loss = self.adversarial_loss.generator_loss(
                ops.cast(fake_logits, "float32"))
        if extra:
            loss = loss + ops.cast(ops.sum(extra), loss.dtype)
        consistency = None
        for term in self.consistency_losses:
            value = self._consistency_term(term, x, z, fake)
            consistency = value if consistency is None else consistency + value
        if consistency is not None:
            loss = loss + consistency
        return loss, consistency

    def _gan_step(self, data, training):
        x = data_checks.real_batch(data)
        x = ops.cast(x, self.generator.compute_dtype)
        trackers = self._trackers
        if self._trains_autoencoder:
            ae_loss, _ = self._update(
                "autoencoder",
                functools.partial(self._autoencoder_loss, x),
                training,
            )
            trackers["ae_loss"].update_state(ops.stop_gradient(ae_loss))
        if self._phase == "gan":
            batch_size = ops.shape(x)[0]
            for _ in range(self.discriminator_steps if training else 1):
                z = self._sample_latent(batch_size)
                d_loss, (penalty, energies) = self._update(
                    "discriminator",
                    functools.partial(self._discriminator_loss, x, z),
                    training,
                )
                if self._is_began:
                    self._began_step(energies, training)
            if penalty is not None:
                trackers["gp_loss"].update_state(ops.stop_gradient(penalty))
            z = self._sample_latent(batch_size)
            g_loss, consistency = self._update(
                "generator",
                functools.partial(self._generator_loss, x, z),
                training,
            )
            if training and self._ema_decay is not None:
                self._ema_step()
            trackers["d_loss"].update_state(ops.stop_gradient(d_loss))
            trackers["g_loss"].update_state(ops.stop_gradient(g_loss))
            if consistency is not None:
                trackers["consistency_loss"].update_state(
                    ops.stop_gradient(consistency)
                )
        logs = {m.name: m.result() for m in self.metrics}
        if self._phase == "gan" and self._is_began:
            logs["balance"] = self.balance.value
        return logs

    def _ema_step(self):
        """`ema = decay * ema + (1 - decay) * weights` for the generator's
        trainable weights; its other weights (e.g. batch-norm statistics)
        are copied."""
        decay = self._ema_decay
        for average, weight in zip(self.ema_generator.weights,
                                   self.generator.weights):
            value = ops.cast(weight.value, average.dtype)
            if weight.trainable:
                value = decay * average.value + (1.0 - decay) * value
            average.assign(value)

    def _build_ema_generator(self):
        """Creates the EMA copy of the generator, starting at its weights."""
        ema = keras.models.clone_model(self.generator)
        ema.set_weights(self.generator.get_weights())
        ema.trainable = False
        ema.name = f"ema_{self.generator.name}"
        self.ema_generator = ema

    def _set_ema_decay(self, decay):
        """Turns the in-step generator EMA on (`decay`) or off (`None`).

        Called by kag.callbacks.GeneratorEMA before the training function
        is made; the step is traced again for the new setting."""
        if decay is not None and self.ema_generator is None:
            self._build_ema_generator()
        if decay != self._ema_decay:
            self._ema_decay = decay
            self.train_function = None

    def _began_step(self, energies, training):
        """Updates BEGAN's k_t and tracks M_global after a discriminator
        step, from that step's mean real and fake energies."""
        # The same k_t on every replica: energies of the global batch.
        real, fake = distributed.all_reduce_mean(energies)
        began = self.adversarial_loss
        self._trackers["convergence"].update_state(
            began.convergence(real, fake))
        if training:
            balance = began.next_balance(
                ops.cast(self.balance.value, real.dtype), real, fake)
            self.balance.assign(ops.cast(balance, self.balance.dtype))

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
        `keras.utils.PyDataset` or a torch `DataLoader`; `(x, y)` batches
        are accepted and `y` is ignored. The data is checked against the
        generator's output (shape, dtype, finite values, value range) before
        training.

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
        ae_loss consistency_loss d_loss g_loss
        >>> len(history.history["g_loss"]), len(gan.warmup_history.history["ae_loss"])
        (2, 1)
        """
        self._require_compiled("fit")
        if (isinstance(autoencoder_warmup_epochs, bool)
                or not isinstance(autoencoder_warmup_epochs, int)
                or autoencoder_warmup_epochs < 0):
            raise ValueError(
                "`autoencoder_warmup_epochs` must be an int >= 0, got "
                f"{autoencoder_warmup_epochs!r}."
            )
        if autoencoder_warmup_epochs and not self._trains_autoencoder:
            raise ValueError(
                f"autoencoder_warmup_epochs={autoencoder_warmup_epochs} needs "
                "an autoencoder to warm up, but no consistency term uses one. "
                "Compile with consistency_loss='manifold' (or a list holding "
                "it), or set autoencoder_warmup_epochs=0."
            )
        data_checks.validate_data(
            x,
            self.data_shape,
            data_checks.output_activation_name(self.generator),
        )
        data_checks.check_batches_pack(self.discriminator, x, batch_size)
        if autoencoder_warmup_epochs:
            self._phase = "autoencoder"
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
                self._phase = "gan"
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
        data_checks.validate_data(
            x,
            self.data_shape,
            data_checks.output_activation_name(self.generator),
        )
        return super().evaluate(x, y, **kwargs)

    def generate(self, num_samples, seed=None, batch_size=1024,
                 use_ema=False):
        """Generates `num_samples` samples as a NumPy array.

        The latent vectors are drawn with NumPy (`np.random.default_rng(seed)`),
        so the same `seed` gives the same latents on every backend.

        Args:
            num_samples: int > 0.
            seed: int or `None`.
            batch_size: int, samples per generator call.
            use_ema: bool; generate with the exponential moving average of
                the generator's weights kept by `kag.callbacks.GeneratorEMA`.

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
        for name, value in (("num_samples", num_samples),
                            ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(
                    value, (int, np.integer)):
                raise TypeError(
                    f"generate(): `{name}` must be an int, got {value!r} of "
                    f"type {type(value).__name__}."
                )
            if value < 1:
                raise ValueError(
                    f"generate(): `{name}` must be >= 1, got {value}."
                )
        generator = self.generator
        if use_ema:
            if self.ema_generator is None:
                raise ValueError(
                    "generate(use_ema=True): this model has no EMA weights. "
                    "Train it with kag.callbacks.GeneratorEMA() among the "
                    "fit() callbacks, or call generate(use_ema=False)."
                )
            generator = self.ema_generator
        latents = np.random.default_rng(seed).standard_normal(
            (int(num_samples), self.latent_dim)
        ).astype("float32")
        outputs = [
            ops.convert_to_numpy(
                generator(latents[i:i + batch_size], training=False)
            )
            for i in range(0, int(num_samples), int(batch_size))
        ]
        return np.concatenate(outputs, axis=0)

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
            "ema": self.ema_generator is not None,
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
        model = cls(**config)
        if ema:
            # The structure the saved EMA weights load into.
            model._build_ema_generator()
        return model

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[_SEED_KEY] = ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store):
        keys = [k for k in store.keys() if k != _SEED_KEY]
        super().load_own_variables({k: store[k] for k in keys})
        if _SEED_KEY in store.keys():
            self.seed_generator.state.assign(store[_SEED_KEY])

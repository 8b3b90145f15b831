"""The GAN training algorithm, written once in `keras.ops`.

`BaseGANTrainer` is the backend-agnostic half of `StabilizedGAN`, the way
Keras splits `trainers/trainer.py` from `backend/<name>/trainer.py`: the
backend's `GANTrainer` (in `keras_aegan/src/backend/<name>/trainer.py`)
provides `train_step`/`test_step` and `_minimize(loss_fn, variables,
optimizer)`, and calls `_gan_step` below. The step reads the compile-time
`TrainingPlan` (`self._plan`) and asks the adversarial loss and the
consistency terms for everything that depends on them: it walks no network
and knows no objective by name.
"""

import functools
import math

import keras
from keras import ops

from keras_aegan.src.backend import distributed
from keras_aegan.src.losses.reconstruction_consistency_loss import (
    per_sample_distance,
)
from keras_aegan.src.models import conditional
from keras_aegan.src.models import generator_average

LOG_KEYS = ("d_loss", "g_loss", "ae_loss", "consistency_loss", "gp_loss",
            "class_loss")


def real_batch(data):
    """The real samples of a batch: `x` alone, or the first of `(x, y...)`."""
    if isinstance(data, (list, tuple)):
        return data[0]
    return data


def _half(outputs, index):
    """The first (0) or second (1) half of every tensor in `outputs`."""
    return keras.tree.map_structure(
        lambda t: ops.split(t, 2, axis=0)[index], outputs)


def _stop(outputs):
    return keras.tree.map_structure(ops.stop_gradient, outputs)


def _head(tensor, fraction):
    """The first `ceil(fraction * batch_size)` samples of `tensor` (all of
    it when `fraction` is 1); the batch size may be symbolic (TensorFlow)."""
    if fraction >= 1:
        return tensor
    batch_size = ops.shape(tensor)[0]
    # Less a little, so that a product that should be whole (30 * 0.1 is
    # 3.0000000000000004 in floats) is not rounded up.
    if isinstance(batch_size, int):
        size = max(1, math.ceil(batch_size * fraction - 1e-6))
    else:
        size = ops.maximum(1, ops.cast(ops.ceil(
            ops.cast(batch_size, "float32") * fraction - 1e-3), "int32"))
    return tensor[:size]


def _batch_fraction(term):
    return getattr(term, "batch_fraction", 1.0)


class BaseGANTrainer:
    """The step of `StabilizedGAN`: autoencoders, discriminator, generator.

    Expects on the model: the networks (`generator`, `discriminator`,
    `autoencoder`, `encoder`), `adversarial_loss`, `consistency_losses`,
    `gradient_penalty`, `discriminator_steps`, `seed_generator`,
    `latent_dim`, the plan `_plan`, the `OptimizerGroup` `optimizer` and the
    trackers `_trackers` (made by `_init_trainer_state`).
    """

    def _init_trainer_state(self):
        self._trackers = {k: keras.metrics.Mean(name=k) for k in LOG_KEYS}
        self._plan = None
        # The in-step generator EMA's decay (None: off), set through
        # `ema_decay`; the average itself is `ema_generator`.
        self._ema_decay = None
        self.ema_generator = None
        # compile()'s `generator_ema` decay; the generator update count at
        # which the average's batch-norm statistics were last re-estimated.
        self._compiled_ema_decay = None
        self._ema_statistics_at = None
        self._restoring_compile = False

    def _track(self, key):
        """The tracker of `key`, made on first use (an objective's logs)."""
        if key not in self._trackers:
            self._trackers[key] = keras.metrics.Mean(name=key)
        return self._trackers[key]

    @property
    def metrics(self):
        plan = getattr(self, "_plan", None)
        if plan is None:
            return []
        return [self._trackers[k] for k in plan.log_keys]

    # ------------------------------------------------------------------
    # Random draws
    # ------------------------------------------------------------------
    def replica_random(self, draw, shape, dtype):
        """`draw(shape, seed=..., dtype=dtype)` with the model's seed
        generator, for this replica's slice of the global batch.

        `draw` is a `keras.random` function (`normal`, `uniform`). With
        several replicas (a tf.distribute strategy, a torch.distributed
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

    @staticmethod
    def global_std(x):
        """`ops.std(x)` over the global batch, also across replicas."""
        if distributed.replica_context()[0] == 1:
            return ops.std(x)
        mean, square = distributed.all_reduce_mean(
            [ops.mean(x), ops.mean(ops.square(x))])
        return ops.sqrt(ops.maximum(square - ops.square(mean), 0.0))

    def _sample_latent(self, batch_size):
        return self.replica_random(
            keras.random.normal, (batch_size, self.latent_dim),
            dtype=self.generator.compute_dtype)

    # ------------------------------------------------------------------
    # One step
    # ------------------------------------------------------------------
    def _update(self, group, loss_fn, training):
        """Minimizes `loss_fn()` (a `(loss, aux)` pair) over `group`'s
        variables with its optimizer; only evaluates it when not training."""
        if not training:
            return loss_fn()
        return self._minimize(loss_fn, self._plan.variables[group],
                              self.optimizer.members[group])

    def _batch_labels(self, data):
        """A conditional GAN's labels in the batch `(x, y)`, else None."""
        if getattr(self, "num_classes", None) is None:
            return None
        if (not isinstance(data, (list, tuple)) or len(data) < 2
                or data[1] is None):
            raise conditional.missing_labels_error(
                self.num_classes, "got batches without labels")
        return data[1]

    def _gan_step(self, data, training):
        plan = self._plan
        x = ops.cast(real_batch(data), self.generator.compute_dtype)
        labels = self._batch_labels(data)
        # What the losses call: the networks, with the batch's labels for a
        # conditional GAN (its generated samples take the real batch's
        # classes).
        gan = self if labels is None else conditional.ConditionalView(
            self, labels)
        trackers = self._trackers
        if plan.trains_autoencoder:
            ae_loss, _ = self._update(
                "autoencoder", functools.partial(self._autoencoder_loss, x),
                training)
            trackers["ae_loss"].update_state(ops.stop_gradient(ae_loss))
        if plan.phase != "gan":
            return {m.name: m.result() for m in self.metrics}

        objective = self.adversarial_loss
        batch_size = ops.shape(x)[0]
        for _ in range(self.discriminator_steps if training else 1):
            z = self._sample_latent(batch_size)
            # The update count, for a lazy gradient penalty; read here, in
            # the step's scope, which holds the optimizers' state.
            step = (ops.convert_to_tensor(self.optimizer.members[
                "discriminator"].iterations) if training else None)
            d_loss, (penalty, classes, real, fake) = self._update(
                "discriminator",
                functools.partial(self._discriminator_loss, gan, x, z,
                                  step),
                training)
            for key, value in objective.after_discriminator_step(
                    real, fake, training).items():
                trackers[key].update_state(value)
            if training:
                for layer in plan.adaptive_augmentations:
                    layer.update_probability(real)
        if penalty is not None:
            trackers["gp_loss"].update_state(ops.stop_gradient(penalty))
        if classes is not None:
            trackers["class_loss"].update_state(ops.stop_gradient(classes))
        z = self._sample_latent(batch_size)
        g_loss, consistency = self._update(
            "generator", functools.partial(self._generator_loss, gan, x, z),
            training)
        if training and self._ema_decay is not None:
            self._ema_step()
        trackers["d_loss"].update_state(ops.stop_gradient(d_loss))
        trackers["g_loss"].update_state(ops.stop_gradient(g_loss))
        if consistency is not None:
            trackers["consistency_loss"].update_state(
                ops.stop_gradient(consistency))
        logs = {m.name: m.result() for m in self.metrics}
        logs.update(objective.state_logs())
        for index, layer in enumerate(plan.adaptive_augmentations):
            logs["augment_p" + (f"_{index}" if index else "")] = (
                layer.probability.value)
        return logs

    # ------------------------------------------------------------------
    # The per-network losses, each returning `(loss, aux)`
    # ------------------------------------------------------------------
    def _autoencoder_loss(self, x):
        loss = None
        for term in self._plan.autoencoder_terms:
            value = term.autoencoder_loss(self, _head(x, _batch_fraction(term)))
            loss = value if loss is None else loss + value
        for autoencoder in self._plan.layer_autoencoders:
            value = ops.mean(per_sample_distance(
                x, autoencoder(x, training=True)))
            loss = value if loss is None else loss + value
        return loss, None

    def _discriminator_outputs(self, gan, x, fake, for_generator=False):
        """The adversarial loss's view of the discriminator on real `x`
        (`None`: not needed) and `fake`, the discriminator's own losses and,
        for an auxiliary classifier, its class logits on both (`None`
        otherwise; the real ones `None` when `x` is).
        """
        objective = self.adversarial_loss
        discriminator = gan.discriminator
        auxiliary = self._plan.auxiliary_classifier
        if x is not None and self._plan.joint_discriminator_pass:
            # Keras' SpectralNormalization rewrites its kernel in place at
            # every training call (one power iteration); a second call would
            # invalidate the first one's graph on torch. One pass over real
            # and fake together normalizes once per step on every backend.
            if isinstance(discriminator, conditional.Conditioned):
                discriminator = conditional.Conditioned(
                    self.discriminator, ops.concatenate([gan.labels] * 2,
                                                        axis=0))
            outputs = objective.discriminator_outputs(
                discriminator, ops.concatenate([x, fake], axis=0),
                training=True, for_generator=for_generator)
            extra = self.discriminator.losses
            classes = None
            if auxiliary:
                classes = (_half(discriminator.class_logits, 0),
                           _half(discriminator.class_logits, 1))
            return _half(outputs, 0), _half(outputs, 1), extra, classes
        real = real_classes = None
        if x is not None:
            real = objective.discriminator_outputs(
                discriminator, x, training=True,
                for_generator=for_generator)
            if auxiliary:
                real_classes = discriminator.class_logits
        # Weight regularizers and add_loss() terms of the discriminator,
        # read before the next call clears them.
        extra = self.discriminator.losses
        fake_out = objective.discriminator_outputs(
            discriminator, fake, training=True,
            for_generator=for_generator)
        classes = ((real_classes, discriminator.class_logits)
                   if auxiliary else None)
        return real, fake_out, extra, classes

    def _discriminator_loss(self, gan, x, z, step=None):
        """The discriminator's loss and, as aux, `(penalty, class_loss,
        real, fake)`: the gradient penalty and the auxiliary classifier's
        loss (each None when off) and the (detached) outputs the objective
        reads after the update. `step`, the discriminator's update count
        (None when evaluating), paces a lazy penalty."""
        fake = ops.stop_gradient(gan.generator(z, training=True))
        real_out, fake_out, extra, classes = self._discriminator_outputs(
            gan, x, fake)
        loss = self.adversarial_loss.discriminator_objective(real_out,
                                                             fake_out)
        if extra:
            loss = loss + ops.cast(ops.sum(extra), loss.dtype)
        class_loss = None
        if classes is not None:
            # ACGAN: classify the real and the generated samples.
            class_loss = (conditional.class_loss(gan.labels, classes[0])
                          + conditional.class_loss(gan.labels, classes[1]))
            loss = loss + ops.cast(self.class_loss_weight * class_loss,
                                   loss.dtype)
        penalty = None
        if self.gradient_penalty is not None:
            # With spectral normalization the step's kernel is already
            # normalized: no further power iteration (see above).
            penalty = self.gradient_penalty(
                gan.discriminator, x, fake, seed=self.seed_generator,
                training=not self._plan.joint_discriminator_pass,
                step=step)
            loss = loss + ops.cast(penalty, loss.dtype)
        return loss, (penalty, class_loss, _stop(real_out), _stop(fake_out))

    def _generator_loss(self, gan, x, z):
        """The generator's loss and, as aux, the sum of the consistency
        terms (or None)."""
        fake = gan.generator(z, training=True)
        # Weight regularizers and add_loss() terms of the generator (e.g. a
        # kag.layers.ReconstructionConsistency layer), read before any other
        # generator call clears them.
        extra = self.generator.losses
        objective = self.adversarial_loss
        real_out, fake_out, _, classes = self._discriminator_outputs(
            gan, x if objective.generator_uses_real else None, fake,
            for_generator=True)
        loss = objective.generator_objective(fake_out, real_out)
        if classes is not None:
            # ACGAN: the generated samples should be classified as asked.
            loss = loss + ops.cast(
                self.class_loss_weight
                * conditional.class_loss(gan.labels, classes[1]), loss.dtype)
        if extra:
            loss = loss + ops.cast(ops.sum(extra), loss.dtype)
        consistency = None
        for term in self.consistency_losses:
            # The local-batch mean, like the other terms (Keras losses
            # divide by the replicas under a tf.distribute strategy).
            value = distributed.unscale_keras_loss(
                term.term(*self._term_inputs(term, gan, x, z, fake)))
            consistency = value if consistency is None else consistency + value
        if consistency is not None:
            loss = loss + ops.cast(consistency, loss.dtype)
        return loss, consistency

    def _term_inputs(self, term, gan, x, z, fake):
        """`(gan, x, z, fake)` for a consistency term: the head of the batch
        its `batch_fraction` asks for (a conditional GAN's view then takes
        the labels of those samples)."""
        fraction = _batch_fraction(term)
        if fraction >= 1:
            return gan, x, z, fake
        if isinstance(gan, conditional.ConditionalView):
            gan = conditional.ConditionalView(self, _head(gan.labels,
                                                          fraction))
        return (gan, _head(x, fraction), _head(z, fraction),
                _head(fake, fraction))

    # ------------------------------------------------------------------
    # The generator's exponential moving average
    # ------------------------------------------------------------------
    def _ema_step(self):
        """Updates `ema_generator` after a generator update, with the decay
        ramped over the first updates (`generator_average.ramped_decay`)."""
        updates = ops.convert_to_tensor(
            self.optimizer.members["generator"].iterations)
        generator_average.update(
            self.ema_generator, self.generator,
            generator_average.ramped_decay(self._ema_decay, updates))

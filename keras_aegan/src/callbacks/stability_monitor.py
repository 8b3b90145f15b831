"""StabilityMonitor: catch a diverging GAN, then restore or stop."""

import math
import numbers

import keras
import numpy as np

from keras_aegan.src import validation
from keras_aegan.src.models import conditional

ACTIONS = ("restore", "stop")
PROBLEMS = ("non_finite_loss", "exploding_loss", "discriminator_wins",
            "diversity_collapse")


def discriminator_wins(real_logits, fake_logits, separation):
    """True when every real logit is above every fake one, by a mean gap of
    more than `separation` (the discriminator's losses saturate and the
    generator gets no useful gradient)."""
    real_logits = np.asarray(real_logits, "float64").ravel()
    fake_logits = np.asarray(fake_logits, "float64").ravel()
    return bool(real_logits.min() > fake_logits.max()
                and real_logits.mean() - fake_logits.mean() > separation)


def diversity(samples):
    """Mean over features of the standard deviation over samples."""
    samples = np.asarray(samples, "float64").reshape(len(samples), -1)
    return float(samples.std(axis=0).mean())


class StabilityMonitor(keras.callbacks.Callback):
    """Detects a diverging GAN and restores the last healthy state or stops.

    At the end of every `check_every` epochs it looks for three failures:

    - `non_finite_loss`: a logged loss (or a generated sample) is NaN/Inf;
    - `exploding_loss`: a logged loss (a `*loss` key) is finite but larger
      in magnitude than `max_loss` (weights blown up by a too-large step:
      samples saturate, losses reach 1e9 and more, and no other rule fires);
    - `discriminator_wins`: on `num_samples` real and generated samples,
      every real logit is above every fake logit, by a mean gap larger than
      `separation_threshold` (logit discriminators only; needs
      `real_data`, and for a class-conditional GAN `real_labels`: the
      generated samples take the real samples' classes, and the
      discriminator sees each sample's class);
    - `diversity_collapse`: the generated samples' spread (mean per-feature
      standard deviation) falls below `diversity_threshold` times that of
      `real_data` (or, without `real_data`, of the samples generated at the
      first check): the generator collapsed onto a few points.

    Each failure is printed (when `verbose`) and recorded in `self.events`
    as `{"epoch", "problem", "detail", "action"}`. Healthy checks store a
    snapshot of every model and optimizer variable (networks, optimizer
    moments, BEGAN's k_t, the latent seed, EMA weights). With
    `action="restore"` a failure puts the last healthy snapshot back and
    multiplies the learning rate of every optimizer by
    `learning_rate_factor` (a rerun from the same state with the same
    learning rates would diverge again); after `max_restores` restores it
    stops training. With `action="stop"` it stops training at the first
    failure (the weights are left as they are, for inspection).

    Args:
        real_data: NumPy array of real samples (or `None`, see above).
        real_labels: `None`, or the integer class of each sample of
            `real_data`; needed with `real_data` for a conditional GAN.
        action: `"restore"` or `"stop"`.
        check_every: int >= 1, epochs between checks.
        num_samples: int >= 2, samples generated (and real samples used)
            per check.
        diversity_threshold: float in [0, 1).
        separation_threshold: float > 0, in logits.
        learning_rate_factor: float in (0, 1], applied on each restore.
        max_restores: int >= 0.
        max_loss: float > 0 or `None` (no `exploding_loss` rule).
        seed: int, seed of the generated samples (the same every check).
        verbose: bool.

    Example:

    >>> import keras_aegan as kag
    >>> x, _ = kag.datasets.ring(512, seed=0)
    >>> nets = kag.models.mlp_gan(2, latent_dim=4, hidden_units=(16,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> gan.compile(consistency_loss=None)
    >>> monitor = kag.callbacks.StabilityMonitor(real_data=x, verbose=False)
    >>> _ = gan.fit(x, batch_size=128, epochs=2, verbose=0,
    ...             callbacks=[monitor])
    >>> monitor.events
    []
    """

    def __init__(self, real_data=None, action="restore", check_every=1,
                 num_samples=512, diversity_threshold=0.1,
                 separation_threshold=10.0, learning_rate_factor=0.5,
                 max_restores=3, seed=0, verbose=True, max_loss=1e4,
                 real_labels=None):
        super().__init__()
        owner = "StabilityMonitor"
        validation.check_choice(owner, "action", action, ACTIONS)
        check_every = validation.check_int(owner, "check_every", check_every,
                                           1)
        num_samples = validation.check_int(owner, "num_samples", num_samples,
                                           2)
        max_restores = validation.check_int(owner, "max_restores",
                                            max_restores, 0)
        diversity_threshold = validation.check_number(
            owner, "diversity_threshold", diversity_threshold, 0, 1,
            high_open=True)
        separation_threshold = validation.check_number(
            owner, "separation_threshold", separation_threshold, 0,
            low_open=True)
        learning_rate_factor = validation.check_number(
            owner, "learning_rate_factor", learning_rate_factor, 0, 1,
            low_open=True)
        if max_loss is not None:
            max_loss = validation.check_number(owner, "max_loss", max_loss, 0,
                                               low_open=True)
        seed = validation.check_seed(owner, seed)
        if real_data is not None:
            real_data = np.asarray(real_data)
            if real_data.ndim < 2 or len(real_data) < 2:
                raise ValueError(
                    "StabilityMonitor: `real_data` must be an array of at "
                    f"least 2 samples, got shape {real_data.shape}."
                )
            if not np.isfinite(real_data).all():
                raise ValueError("StabilityMonitor: `real_data` holds "
                                 "NaN or Inf values.")
        if real_labels is not None:
            if real_data is None:
                raise ValueError(
                    "StabilityMonitor: real_labels are the classes of "
                    "real_data, which is None; pass real_data=x too.")
            # The range is checked against the model in on_train_begin.
            real_labels = conditional.check_labels(
                real_labels, np.iinfo("int32").max, len(real_data),
                what="StabilityMonitor(real_labels=...)")
        self.real_data = real_data
        self.real_labels = real_labels
        self.action = action
        self.check_every = check_every
        self.num_samples = num_samples
        self.diversity_threshold = diversity_threshold
        self.separation_threshold = separation_threshold
        self.learning_rate_factor = learning_rate_factor
        self.max_restores = max_restores
        self.max_loss = max_loss
        self.seed = seed
        self.verbose = verbose
        self.events = []
        self.restores = 0
        self._snapshot = None
        self._snapshot_epoch = None
        self._reference_diversity = None

    # -- state ---------------------------------------------------------
    def _watched_variables(self):
        return list(self.model.variables) + list(self.model.optimizer.variables)

    def _take_snapshot(self, epoch):
        self._snapshot = [np.array(keras.ops.convert_to_numpy(v))
                          for v in self._watched_variables()]
        self._snapshot_epoch = epoch

    def _restore(self):
        for variable, value in zip(self._watched_variables(), self._snapshot,
                                   strict=False):
            variable.assign(value)
        changed = []
        for name, optimizer in self.model.optimizer.members.items():
            try:
                optimizer.learning_rate = (
                    float(keras.ops.convert_to_numpy(optimizer.learning_rate))
                    * self.learning_rate_factor)
                changed.append(name)
            except TypeError:
                pass  # a LearningRateSchedule: left as it is
        return changed

    # -- checks --------------------------------------------------------
    def _problems(self, logs):
        problems = []
        bad = {k: v for k, v in (logs or {}).items()
               if isinstance(v, numbers.Real) and not math.isfinite(v)}
        if bad:
            problems.append(("non_finite_loss", f"{bad}"))
        elif self.max_loss is not None:
            huge = {k: v for k, v in (logs or {}).items()
                    if k.endswith("loss") and isinstance(v, numbers.Real)
                    and abs(v) > self.max_loss}
            if huge:
                problems.append((
                    "exploding_loss",
                    f"{ {k: float(f'{v:.4g}') for k, v in huge.items()} } "
                    f"beyond max_loss={self.max_loss:g}"))
        labels, kwargs = None, {}
        if self.real_labels is not None:
            labels = kwargs["labels"] = self.real_labels[:self.num_samples]
        num_samples = self.num_samples if labels is None else len(labels)
        # The generator being trained, not its lagging average.
        generated = self.model.generate(num_samples, seed=self.seed,
                                        use_ema=False, **kwargs)
        if not np.isfinite(generated).all():
            if not bad:
                problems.append(("non_finite_loss",
                                 "non-finite generated samples"))
            return problems
        spread = diversity(generated)
        if self.real_data is not None:
            real = self.real_data[:self.num_samples]
            reference = diversity(real)
            if self._is_logit_discriminator():
                discriminator = self.model.discriminator
                if labels is not None:
                    discriminator = conditional.Conditioned(discriminator,
                                                            labels)
                real_logits = keras.ops.convert_to_numpy(
                    discriminator(real.astype("float32")))
                fake_logits = keras.ops.convert_to_numpy(
                    discriminator(generated))
                if discriminator_wins(real_logits, fake_logits,
                                      self.separation_threshold):
                    problems.append((
                        "discriminator_wins",
                        f"real logits {real_logits.mean():.1f} vs fake "
                        f"{fake_logits.mean():.1f}, fully separated"))
        else:
            if self._reference_diversity is None:
                self._reference_diversity = spread
            reference = self._reference_diversity
        if reference > 0 and spread < self.diversity_threshold * reference:
            problems.append((
                "diversity_collapse",
                f"spread {spread:.4g} < {self.diversity_threshold} x "
                f"{reference:.4g}"))
        return problems

    def _is_logit_discriminator(self):
        return not getattr(self.model.adversarial_loss, "energy_based", False)

    # -- callback hooks ------------------------------------------------
    def on_train_begin(self, logs=None):
        num_classes = getattr(self.model, "num_classes", None)
        if self.real_labels is not None:
            if num_classes is None:
                raise ValueError(
                    "StabilityMonitor: real_labels were given but the GAN "
                    "is not conditional (its networks take no class "
                    "labels). Remove real_labels.")
            conditional.check_labels(self.real_labels, num_classes, None,
                                     what="StabilityMonitor(real_labels=...)")
        elif num_classes is not None and self.real_data is not None:
            raise ValueError(
                "StabilityMonitor: the GAN is conditional, and its "
                "discriminator judges samples with their classes: pass "
                "real_labels=y (the class of each sample of real_data) "
                "with real_data, or leave out real_data (no "
                "discriminator_wins rule then).")
        if self._snapshot is None:
            self._take_snapshot(epoch=None)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.check_every:
            return
        problems = self._problems(logs)
        if not problems:
            self._take_snapshot(epoch)
            return
        if self.action == "restore" and self.restores < self.max_restores:
            changed = self._restore()
            self.restores += 1
            since = ("the start of training" if self._snapshot_epoch is None
                     else f"epoch {self._snapshot_epoch + 1}")
            action = (f"restored the state of {since}; learning rates of "
                      f"{', '.join(changed) or 'no optimizer'} x "
                      f"{self.learning_rate_factor}")
        else:
            self.model.stop_training = True
            action = ("stopped training" if self.action == "stop" else
                      f"stopped training after {self.restores} restores")
        for problem, detail in problems:
            self.events.append({"epoch": epoch + 1, "problem": problem,
                                "detail": detail, "action": action})
            if self.verbose:
                print(f"StabilityMonitor: epoch {epoch + 1}: {problem} "
                      f"({detail}); {action}.")

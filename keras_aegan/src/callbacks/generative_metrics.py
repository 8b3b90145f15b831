"""GenerativeMetrics: sample-based metrics of the generator in the logs."""

import keras
import numpy as np

from keras_aegan.src import validation
from keras_aegan.src.callbacks.common import as_samples
from keras_aegan.src.callbacks.common import check_generative_model
from keras_aegan.src.models import conditional

# Default cap of the number of generated samples per evaluation.
MAX_DEFAULT_SAMPLES = 10_000


def _as_float(owner, key, value):
    array = np.asarray(keras.ops.convert_to_numpy(value))
    if array.size != 1:
        raise ValueError(
            f"{owner}: the metric value {key!r} has shape {array.shape}; the "
            "epoch logs hold scalars. Return a scalar (or a dict of scalars) "
            "from the metric's result()."
        )
    return float(array.reshape(()))


class GenerativeMetrics(keras.callbacks.Callback):
    """Evaluates sample-based metrics of the generator into the epoch logs.

    At the end of every `every`-th epoch, generates `num_samples` samples
    with `model.generate(num_samples, seed=seed)` and, for each metric,
    calls `reset_state()`, then `update_state(real, generated)` batch by
    batch (`batch_size` samples at a time; `real` is a fixed subset of
    `real_data` of the same size, cycled when `num_samples > len(real_data)`),
    then `result()`. The results are added to the epoch `logs` as Python
    floats, so callbacks listed **after** this one in `fit(callbacks=...)`
    (`keras.callbacks.EarlyStopping`, `ModelCheckpoint`, `CSVLogger`,
    `TensorBoard`), the progress bar and the `History` see them. Log keys:

    - a scalar result: `{prefix}{metric.name}`;
    - a dict result: one key per entry, `{prefix}{metric.name}_{key}`; for
      `kag.metrics.ModeCoverage` (named `"mode_coverage"`):
      `mode_coverage_modes`, `mode_coverage_modes_strict`,
      `mode_coverage_high_quality`, `mode_coverage_reverse_kl`.

    The keys are the same at every evaluation (set a metric's `name=` to
    rename them). With `every > 1` the keys are only in the logs of the
    epochs that are evaluated (like `validation_freq` for `val_*` keys), so
    monitor them with `every=1`. The last results are kept in
    `callback.results`.

    With an int `seed` the latent vectors are the same at every evaluation,
    so differences between epochs come from the generator only.

    A class-conditional GAN draws its samples for uniformly drawn labels;
    with `real_labels` (the class of each real sample) it draws them for
    the real subset's labels instead, so both sides hold the same classes.
    With `per_class=True` every metric is also computed on each class's
    samples alone, under the keys above with `_class_{c}` appended (e.g.
    `frechet_distance_class_3`).

    Args:
        real_data: real samples `(n, *data_shape)`, passed to the metrics as
            `y_true`.
        metrics: a `keras.metrics.Metric` or a list of them, each with
            `update_state(real, generated)`, e.g.
            `kag.metrics.ModeCoverage(centers, std)`. Names must differ.
        every: int >= 1, evaluate after every `every`-th epoch.
        num_samples: int >= 1, generated samples per evaluation; `None`:
            `len(real_data)` capped at 10000.
        batch_size: int >= 1, samples per generator call and per
            `update_state()` call.
        seed: int (fixed latents) or `None` (new latents each time).
        prefix: str put before every log key, e.g. `"gen_"`.
        real_labels: `None`, or the integer class of each sample of
            `real_data` (`(n,)` or `(n, 1)`), for a conditional GAN.
        per_class: bool, also score each class alone (needs
            `real_labels`).

    Example:

    >>> import keras
    >>> import keras_aegan as kag
    >>> from keras_aegan import callbacks
    >>> x, centers = kag.datasets.ring(512, seed=0)
    >>> nets = kag.models.mlp_gan(2, latent_dim=4, hidden_units=(16,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> gan.compile(consistency_loss=None)
    >>> metrics = callbacks.GenerativeMetrics(
    ...     x, [kag.metrics.ModeCoverage(centers, std=0.01)])
    >>> stop = keras.callbacks.EarlyStopping(
    ...     monitor="mode_coverage_modes", mode="max", patience=5)
    >>> history = gan.fit(x, batch_size=128, epochs=1, verbose=0,
    ...                   callbacks=[metrics, stop])
    >>> for key in history.history:
    ...     print(key)
    d_loss
    g_loss
    gp_loss
    mode_coverage_modes
    mode_coverage_modes_strict
    mode_coverage_high_quality
    mode_coverage_reverse_kl

    Per class, for a conditional GAN (the ring's labels: each sample's
    Gaussian):

    >>> import numpy as np
    >>> y = np.argmin(((x[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    >>> nets = kag.models.mlp_gan(2, 4, hidden_units=(16,), num_classes=8)
    >>> cgan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    >>> cgan.compile(consistency_loss=None)
    >>> metrics = callbacks.GenerativeMetrics(
    ...     x, [kag.metrics.FrechetDistance(feature_dim=2)],
    ...     real_labels=y, per_class=True)
    >>> history = cgan.fit(x, y, batch_size=128, epochs=1, verbose=0,
    ...                    callbacks=[metrics])
    >>> keys = sorted(k for k in history.history if k.startswith("frechet"))
    >>> print(*keys[:3])
    frechet_distance frechet_distance_class_0 frechet_distance_class_1
    """

    def __init__(self, real_data, metrics, every=1, num_samples=None,
                 batch_size=1024, seed=0, prefix="", real_labels=None,
                 per_class=False):
        super().__init__()
        owner = "GenerativeMetrics"
        self.real_data = as_samples(owner, "real_data", real_data)
        self.per_class = validation.check_bool(owner, "per_class", per_class)
        if per_class and real_labels is None:
            raise ValueError(
                f"{owner}: per_class=True scores each class against the real "
                "samples of that class and needs their classes: pass "
                "real_labels=y (one integer label per real sample).")
        self.real_labels = None
        if real_labels is not None:
            # The range is checked against the model's classes in
            # on_train_begin; here the type and the length.
            self.real_labels = conditional.check_labels(
                real_labels, np.iinfo("int32").max, len(self.real_data),
                what=f"{owner}(real_labels=...)")
        if isinstance(metrics, keras.metrics.Metric):
            metrics = [metrics]
        if isinstance(metrics, (str, dict)) or not hasattr(
                metrics, "__iter__"):
            raise TypeError(
                f"{owner}: `metrics` must be a keras.metrics.Metric or a list "
                f"of them, got {metrics!r} of type {type(metrics).__name__}. "
                "Example: metrics=[kag.metrics.ModeCoverage(centers, std)]."
            )
        metrics = list(metrics)
        if not metrics:
            raise ValueError(
                f"{owner}: `metrics` is empty; give at least one "
                "keras.metrics.Metric, e.g. "
                "[kag.metrics.ModeCoverage(centers, std)]."
            )
        for metric in metrics:
            if not isinstance(metric, keras.metrics.Metric):
                raise TypeError(
                    f"{owner}: every entry of `metrics` must be a "
                    "keras.metrics.Metric instance with update_state(real, "
                    f"generated), got {metric!r} of type "
                    f"{type(metric).__name__}. Metric names as strings are "
                    "not accepted: create the object, e.g. "
                    "keras.metrics.MeanSquaredError()."
                )
        names = [m.name for m in metrics]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(
                f"{owner}: the metric name(s) {duplicated} appear more than "
                "once; the log keys would clash. Give each metric its own "
                "name=..."
            )
        if not isinstance(prefix, str):
            raise TypeError(
                f"{owner}: `prefix` must be a str, got {prefix!r} of type "
                f"{type(prefix).__name__}."
            )
        self.metrics = metrics
        self.every = validation.check_int(owner, "every", every, 1)
        if num_samples is None:
            num_samples = min(len(self.real_data), MAX_DEFAULT_SAMPLES)
        self.num_samples = validation.check_int(owner, "num_samples",
                                                num_samples, 1)
        self.batch_size = validation.check_int(owner, "batch_size",
                                               batch_size, 1)
        self.seed = validation.check_seed(owner, seed)
        self.prefix = prefix
        # A fixed subset of the real data, one row per generated sample.
        order = np.random.default_rng(0).permutation(len(self.real_data))
        self._real_rows = np.resize(order, self.num_samples)
        self.results = {}

    def on_train_begin(self, logs=None):
        data_shape = check_generative_model("GenerativeMetrics", self.model)
        if tuple(self.real_data.shape[1:]) != data_shape:
            raise ValueError(
                "GenerativeMetrics: `real_data` holds samples of shape "
                f"{tuple(self.real_data.shape[1:])}, but the generator "
                f"outputs samples of shape {data_shape}. Pass real samples "
                "shaped like the generator's output."
            )
        if self.real_labels is not None:
            num_classes = getattr(self.model, "num_classes", None)
            if num_classes is None:
                raise ValueError(
                    "GenerativeMetrics: real_labels were given but the GAN "
                    "is not conditional (its networks take no class "
                    "labels). Remove real_labels (and per_class).")
            conditional.check_labels(self.real_labels, num_classes,
                                     len(self.real_data),
                                     what="GenerativeMetrics(real_labels=...)")

    def evaluate(self):
        """Runs every metric on freshly generated samples; returns the dict
        of log keys to Python floats."""
        labels = None
        kwargs = {}
        if self.real_labels is not None:
            labels = kwargs["labels"] = self.real_labels[self._real_rows]
        generated = self.model.generate(self.num_samples, seed=self.seed,
                                        batch_size=self.batch_size, **kwargs)
        results = {}
        groups = [("", np.arange(self.num_samples))]
        if self.per_class:
            groups += [(f"_class_{c}", np.flatnonzero(labels == c))
                       for c in np.unique(labels)]
        for suffix, rows in groups:
            for metric in self.metrics:
                for key, v in self._score(metric, rows, generated):
                    key = f"{self.prefix}{key}{suffix}"
                    if key in results:
                        raise ValueError(
                            f"GenerativeMetrics: two metrics give the log "
                            f"key {key!r}; rename one of them (name=...).")
                    results[key] = _as_float("GenerativeMetrics", key, v)
        return results

    def _score(self, metric, rows, generated):
        """`(key, value)` pairs of `metric` on the generated samples `rows`
        against their real counterparts."""
        metric.reset_state()
        for start in range(0, len(rows), self.batch_size):
            batch = rows[start:start + self.batch_size]
            metric.update_state(self.real_data[self._real_rows[batch]],
                                generated[batch])
        value = metric.result()
        if isinstance(value, dict):
            return [(f"{metric.name}_{key}", v) for key, v in value.items()]
        return [(metric.name, value)]

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        results = self.evaluate()
        if logs is not None:
            clashes = sorted(set(results) & set(logs))
            if clashes:
                raise ValueError(
                    f"GenerativeMetrics: the log key(s) {clashes} are already "
                    "in the epoch logs (the model's losses or another "
                    "callback). Set prefix=... (e.g. prefix='gen_') or rename "
                    "the metric."
                )
            logs.update(results)
        self.results = results

"""Metrics of the command-line runs (`keras-aegan demo` and `train`).

Shared by `demo.py` and `train.py`, which import this module and not each
other.
"""

import keras
import numpy as np

from keras_aegan.src import plotting


def class_coverage(samples, classifier):
    """Classes covered (>= 1% of samples) and KL(class histogram || uniform)."""
    predictions = classifier.predict(samples.reshape(len(samples), -1))
    counts = np.bincount(predictions, minlength=10)
    p = counts / counts.sum()
    nonzero = p > 0
    kl = float(np.sum(p[nonzero] * np.log(10 * p[nonzero])))
    return {
        "classes_covered": int((p >= 0.01).sum()),
        "class_kl_to_uniform": kl,
        "class_histogram": counts.tolist(),
    }


def digits_judge(x, y):
    """A simple judge of generated digits: a logistic regression fitted on
    the real digits `x` (images) and labels `y`."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000).fit(x.reshape(len(x), -1), y)


def history_summary(history):
    """`final_logs` (the losses) and `last_epoch_metrics` (every other key)
    of the last epoch of a `fit()` history dict."""
    def is_loss(key):
        return any(p in key for p in plotting.LOSS_KEYS)

    return {
        "final_logs": {k: float(v[-1]) for k, v in history.items()
                       if is_loss(k)},
        "last_epoch_metrics": {k: float(v[-1]) for k, v in history.items()
                               if not is_loss(k)},
    }


def metrics_callback(data, info, seed, labels=None):
    """A GenerativeMetrics callback that suits the data, or None: mode
    coverage for the 2-D mixtures, the Fréchet distance on pixels for image
    arrays (a cheap per-epoch proxy; no pretrained network offline). With
    `labels` (a conditional run) the samples are drawn for the real
    subset's classes."""
    from keras_aegan.src.callbacks.generative_metrics import GenerativeMetrics
    from keras_aegan.src.metrics.frechet_distance import FrechetDistance
    from keras_aegan.src.metrics.mode_coverage import ModeCoverage

    if info["kind"] == "mixture":
        return GenerativeMetrics(
            data[:2_500], [ModeCoverage(info["centers"], info["std"])],
            num_samples=2_500, seed=seed,
            real_labels=None if labels is None else labels[:2_500])
    if isinstance(data, np.ndarray) and data.ndim == 4:
        real = data[:1_000]
        return GenerativeMetrics(
            real, [FrechetDistance(feature_dim=int(np.prod(data.shape[1:])),
                                   name="pixel_frechet_distance")],
            num_samples=len(real), seed=seed,
            real_labels=None if labels is None else labels[:1_000])
    return None


def final_metrics(gan, info, seed):
    """Scores of the trained generator that fit the data's kind; for a
    conditional GAN also `conditional_accuracy`, the fraction of samples
    drawn for a class that land in it (mixtures: nearest Gaussian; digits:
    the judge's prediction)."""
    num_samples = 2_500 if info["kind"] == "mixture" else 2_000
    samples = gan.generate(num_samples, seed=seed)
    scores = {}
    if info["kind"] == "mixture":
        from keras_aegan.src.metrics.mode_coverage import ModeCoverage

        metric = ModeCoverage(info["centers"], info["std"])
        metric.update_state(None, samples)
        scores = {k: float(keras.ops.convert_to_numpy(v))
                  for k, v in metric.result().items()}

        def classify(x):
            return np.argmin(((x[:, None] - info["centers"][None]) ** 2)
                             .sum(-1), axis=1)
    elif info["kind"] == "digits":
        from keras_aegan.src.datasets.digits import digits

        judge = digits_judge(*digits())
        scores = class_coverage(samples, judge)

        def classify(x):
            return judge.predict(x.reshape(len(x), -1))
    else:
        return scores
    if getattr(gan, "num_classes", None) is not None:
        labels = np.arange(num_samples) % gan.num_classes
        drawn = gan.generate(num_samples, seed=seed, labels=labels)
        scores["conditional_accuracy"] = float(
            np.mean(classify(drawn) == labels))
    return scores

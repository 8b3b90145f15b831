"""The offline demo: a StabilizedGAN on scikit-learn's 8×8 digits."""

import json
import os
import time

import keras
import numpy as np

from keras_aegan.src import plotting
from keras_aegan.src.datasets.digits import digits
from keras_aegan.src.models.builders import mlp_gan
from keras_aegan.src.models.stabilized_gan import StabilizedGAN


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


def run_demo(output_dir="runs/demo", epochs=150, batch_size=64, seed=0,
             verbose=2):
    """Trains a StabilizedGAN on the digits and writes its results.

    Writes `samples.png` (a grid of generated digits), `losses.png`,
    `metrics.png` (the Fréchet distance to the real digits on pixels, per
    epoch), `metrics.json` and `model.keras` into `output_dir`.
    """
    from sklearn.linear_model import LogisticRegression

    os.makedirs(output_dir, exist_ok=True)
    keras.utils.set_random_seed(seed)
    x, y = digits()
    nets = mlp_gan((8, 8, 1), latent_dim=32, hidden_units=(256, 256),
                   activation="relu", output_activation="tanh")
    gan = StabilizedGAN(nets.generator, nets.discriminator, seed=seed)
    gan.compile(consistency_loss="manifold")

    from keras_aegan.src.train import metrics_callback

    start = time.time()
    history = gan.fit(x, batch_size=batch_size, epochs=epochs,
                      verbose=verbose, autoencoder_warmup_epochs=2,
                      callbacks=[metrics_callback(x, {"kind": "digits"},
                                                  seed)])
    train_seconds = time.time() - start

    # A simple judge: a logistic regression on the real digits.
    judge = LogisticRegression(max_iter=2000).fit(x.reshape(len(x), -1), y)
    samples = gan.generate(2000, seed=seed)
    metrics = {
        "backend": keras.backend.backend(),
        "epochs": epochs,
        "train_seconds": round(train_seconds, 1),
        "final_logs": {k: float(v[-1]) for k, v in history.history.items()
                       if any(p in k for p in plotting.LOSS_KEYS)},
        "last_epoch_metrics": {
            k: float(v[-1]) for k, v in history.history.items()
            if not any(p in k for p in plotting.LOSS_KEYS)},
        **class_coverage(samples, judge),
    }
    plotting.save_sample_grid(samples[:64],
                              os.path.join(output_dir, "samples.png"),
                              title=f"StabilizedGAN, {epochs} epochs")
    plotting.save_history_curves(history.history, output_dir,
                                 title="StabilizedGAN on digits")
    with open(os.path.join(output_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    gan.save(os.path.join(output_dir, "model.keras"))
    return metrics

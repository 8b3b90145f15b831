"""The offline demo: a StabilizedGAN on scikit-learn's 8×8 digits."""

import json
import os
import time

import keras

from keras_aegan.src import plotting
from keras_aegan.src.datasets.digits import digits
from keras_aegan.src.models.builders import mlp_gan
from keras_aegan.src.models.stabilized_gan import StabilizedGAN
from keras_aegan.src.run_metrics import class_coverage
from keras_aegan.src.run_metrics import digits_judge
from keras_aegan.src.run_metrics import history_summary
from keras_aegan.src.run_metrics import metrics_callback


def run_demo(output_dir="runs/demo", epochs=150, batch_size=64, seed=0,
             verbose=2):
    """Trains a StabilizedGAN on the digits and writes its results.

    Writes `samples.png` (a grid of generated digits), `losses.png`,
    `metrics.png` (the Fréchet distance to the real digits on pixels, per
    epoch), `metrics.json` and `model.keras` into `output_dir`.
    """
    os.makedirs(output_dir, exist_ok=True)
    keras.utils.set_random_seed(seed)
    x, y = digits()
    nets = mlp_gan((8, 8, 1), latent_dim=32, hidden_units=(256, 256),
                   activation="relu", output_activation="tanh")
    gan = StabilizedGAN(nets.generator, nets.discriminator, seed=seed)
    gan.compile(consistency_loss="manifold")

    start = time.time()
    history = gan.fit(x, batch_size=batch_size, epochs=epochs,
                      verbose=verbose, autoencoder_warmup_epochs=2,
                      callbacks=[metrics_callback(x, {"kind": "digits"},
                                                  seed)])
    train_seconds = time.time() - start

    samples = gan.generate(2000, seed=seed)
    metrics = {
        "backend": keras.backend.backend(),
        "epochs": epochs,
        "train_seconds": round(train_seconds, 1),
        **history_summary(history.history),
        **class_coverage(samples, digits_judge(x, y)),
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

"""Digits quick start: a stabilized GAN on scikit-learn's 8x8 digits.

Trains on the 1,797 digits that ship with scikit-learn (nothing is
downloaded), watches the training with callbacks, judges which digits the
generator draws with a simple classifier, writes a grid of samples and
saves the model.

Run:
    KERAS_BACKEND=jax python examples/digits_quickstart.py
    KERAS_BACKEND=torch python examples/digits_quickstart.py --quick
"""

import argparse
import os

import keras
import matplotlib

matplotlib.use("Agg")  # write PNGs, no window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import keras_aegan as kag  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 epochs: checks that everything runs")
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--output", default="runs/digits_quickstart")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs
    os.makedirs(args.output, exist_ok=True)

    # 1. Data: (1797, 8, 8, 1) float32 images in [-1, 1], and their labels
    #    (used only by the judge at the end; the GAN never sees them).
    x, y = kag.datasets.digits()

    # 2. Networks: MLPs sized for 8x8 images. Any keras.Model works here;
    #    see custom_networks.py for your own.
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan((8, 8, 1), latent_dim=32,
                              hidden_units=(256, 256), activation="relu",
                              output_activation="tanh")

    # 3. compile() with no arguments turns on the recommended stabilizers
    #    (the manifold and data consistency terms, docs/guides/consistency.md,
    #    and R1) and keeps an average of the generator's weights, which
    #    generate() samples.
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile()

    # 4. Train like any Keras model. The callbacks see d_loss, g_loss,
    #    ae_loss and consistency_loss.
    history = gan.fit(x, batch_size=64, epochs=epochs, verbose=2, callbacks=[
        kag.callbacks.StabilityMonitor(real_data=x),  # NaN, collapse: restore
        keras.callbacks.CSVLogger(os.path.join(args.output, "log.csv")),
    ])
    print("last epoch:", {k: round(v[-1], 3)
                          for k, v in history.history.items()})

    # 5. Which digits does it draw? A logistic regression on the real
    #    digits judges 2,000 samples of the averaged generator.
    samples = gan.generate(2000, seed=0)
    judge = LogisticRegression(max_iter=2000).fit(x.reshape(len(x), -1), y)
    counts = np.bincount(judge.predict(samples.reshape(len(samples), -1)),
                         minlength=10)
    print("samples per digit 0-9:", counts.tolist())
    print(f"digits drawn (>= 1% of samples): {(counts >= 20).sum()}/10")

    # 6. A grid of samples, and the model (networks, optimizers, seed).
    fig, axes = plt.subplots(8, 8, figsize=(6, 6))
    for image, ax in zip(samples[:64], axes.flat, strict=True):
        ax.imshow(image[..., 0], cmap="gray_r", vmin=-1, vmax=1)
        ax.axis("off")
    fig.suptitle(f"StabilizedGAN on digits, {epochs} epochs")
    fig.savefig(os.path.join(args.output, "samples.png"), dpi=80)
    plt.close(fig)
    gan.save(os.path.join(args.output, "model.keras"))
    print(f"wrote {args.output}/samples.png, log.csv and model.keras")


if __name__ == "__main__":
    main()

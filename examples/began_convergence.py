"""BEGAN on the digits: watch its convergence measure and k_t.

BEGAN (Berthelot et al. 2017) uses an autoencoder as the discriminator: its
energy is the reconstruction error `L(x)`. A controller `k_t` balances the
two players (`gamma = L(G(z)) / L(x)`), and `M_global = L(x) +
|gamma L(x) - L(G(z))|` is meant to fall as training converges.
`StabilizedGAN` logs them as `balance` and `convergence`.

This script trains BEGAN on the 8x8 digits, plots both per epoch, and says
which digits the samples show. Be aware of what it measures: on the digits
with the paper's defaults the convergence measure falls while the generator
collapses onto a few digits (docs/benchmarks.md): M_global follows the
autoencoder's fit, not diversity. Compare with `--consistency`.

Run:
    KERAS_BACKEND=jax python examples/began_convergence.py [--quick]
"""

import argparse
import os

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import keras_aegan as kag  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--gamma", type=float, default=0.5)
    parser.add_argument("--lambda-k", type=float, default=0.001)
    parser.add_argument("--consistency", default=None,
                        help='also add consistency terms, e.g. "latent"')
    parser.add_argument("--output", default="runs/began_convergence")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs
    os.makedirs(args.output, exist_ok=True)

    x, y = kag.datasets.digits()
    keras.utils.set_random_seed(0)
    # autoencoder_discriminator=True: the discriminator is a
    # kag.models.AutoencoderDiscriminator (per-sample reconstruction energy).
    nets = kag.models.mlp_gan((8, 8, 1), latent_dim=32,
                              hidden_units=(256, 256), activation="relu",
                              output_activation="tanh",
                              autoencoder_discriminator=True)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(adversarial_loss=kag.losses.BEGANLoss(args.gamma,
                                                      args.lambda_k),
                consistency_loss=args.consistency)
    history = gan.fit(x, batch_size=64, epochs=epochs, verbose=2).history
    print(f"convergence: {history['convergence'][0]:.4f} (epoch 1) -> "
          f"{history['convergence'][-1]:.4f} (epoch {epochs}); "
          f"k_t = {float(keras.ops.convert_to_numpy(gan.balance)):.4f}")

    samples = gan.generate(2000, seed=0)
    judge = LogisticRegression(max_iter=2000).fit(x.reshape(len(x), -1), y)
    counts = np.bincount(judge.predict(samples.reshape(len(samples), -1)),
                         minlength=10)
    print(f"digits drawn (>= 1% of samples): {(counts >= 20).sum()}/10, "
          f"samples per digit: {counts.tolist()}")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
    epoch = np.arange(1, epochs + 1)
    ax1.plot(epoch, history["convergence"])
    ax1.set(xlabel="epoch", ylabel="M_global", title="convergence")
    ax2.plot(epoch, history["balance"])
    ax2.set(xlabel="epoch", ylabel="k_t", title="balance")
    fig.tight_layout()
    path = os.path.join(args.output, "began_convergence.png")
    fig.savefig(path, dpi=90)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

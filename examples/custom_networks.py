"""Bring your own networks: a keras-io-style DCGAN with the manifold term.

The generator and discriminator below are written the way the keras-io DCGAN
tutorials write them (strided convolutions, LeakyReLU, a tanh output). To
stabilize them, add one layer at the end of the generator:
`kag.layers.ReconstructionConsistency(autoencoder)`. It returns its input
unchanged and, in training, adds `||G(z) - Q(G(z))||` to the generator's
loss, pulling samples towards what the autoencoder `Q` reconstructs, i.e.
towards the data. `kag.StabilizedGAN` finds the layer, trains `Q` on the
real images (logged as `ae_loss`) and counts the term in `g_loss`.

Run:
    KERAS_BACKEND=tensorflow python examples/custom_networks.py [--quick]
"""

import argparse

import keras
from keras import layers

import keras_aegan as kag

LATENT_DIM = 64
IMAGE_SHAPE = (8, 8, 1)  # the 8x8 digits; use (64, 64, 3) and one more
                         # up/down-sampling block for faces


def keras_io_generator(autoencoder):
    return keras.Sequential([
        keras.Input((LATENT_DIM,)),
        layers.Dense(2 * 2 * 128),
        layers.Reshape((2, 2, 128)),
        layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
        layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(64, 4, strides=2, padding="same"),
        layers.LeakyReLU(0.2),
        layers.Conv2D(IMAGE_SHAPE[-1], 5, padding="same", activation="tanh"),
        # The one line that adds the manifold-consistency term:
        kag.layers.ReconstructionConsistency(autoencoder, weight=1.0,
                                             distance="l1"),
    ], name="generator")


def keras_io_discriminator():
    return keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Conv2D(64, 4, strides=2, padding="same"),
        layers.LeakyReLU(0.2),
        layers.Conv2D(128, 4, strides=2, padding="same"),
        layers.LeakyReLU(0.2),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(1),  # logits
    ], name="discriminator")


def small_autoencoder():
    """Q: images -> images, trained on the real data by StabilizedGAN."""
    return keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(32, 3, strides=2, padding="same",
                               activation="relu"),
        layers.Conv2DTranspose(IMAGE_SHAPE[-1], 3, strides=2, padding="same",
                               activation="tanh"),
    ], name="autoencoder")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args(argv)

    x, _ = kag.datasets.digits()  # (1797, 8, 8, 1) in [-1, 1]
    if args.quick:
        x = x[:512]
    keras.utils.set_random_seed(0)
    generator = keras_io_generator(small_autoencoder())
    gan = kag.StabilizedGAN(generator, keras_io_discriminator(), seed=0)
    # The layer already carries the manifold term; add the data term the
    # recommended setup also uses (it builds its encoder from the shapes).
    gan.compile(consistency_loss="data")
    history = gan.fit(x, batch_size=64, epochs=2 if args.quick else args.epochs,
                      verbose=2)
    print("logged:", sorted(history.history))
    samples = gan.generate(16, seed=0)
    print("samples:", samples.shape, "in",
          (round(float(samples.min()), 2), round(float(samples.max()), 2)))


if __name__ == "__main__":
    main()

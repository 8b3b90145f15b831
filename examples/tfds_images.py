"""Train on a TensorFlow Datasets image dataset with data augmentation.

`kag.datasets.load_tfds` gives a `tf.data` pipeline of float32 image
batches in [-1, 1] (shuffled, resized, prefetched); Keras' own augmentation
layers (`keras.layers.RandomFlip`, which run inside `tf.data` whatever the
Keras backend) mapped over it augment the real images; `fit` takes the
pipeline on every Keras backend. `--keras-cv` uses keras-cv's RandomFlip
instead (the same flip; keras-cv is no longer developed, Keras core has
the layers now). Flips keep the distribution of natural images (CIFAR-10),
so the generator still learns the data, not its augmentations; for
augmentations that would leak into the samples, put
`kag.layers.DifferentiableAugmentation` in front of the discriminator
instead (DiffAugment).

The first real run downloads the dataset into ~/tensorflow_datasets (or
--data-dir). `--mock` replaces the download with
`tfds.testing.mock_data` (random images of the right shape), which is what
`--quick` uses.

Run:
    KERAS_BACKEND=jax python examples/tfds_images.py --dataset cifar10
    KERAS_BACKEND=jax python examples/tfds_images.py --quick [--keras-cv]
"""

import argparse
import contextlib

import keras
import tensorflow_datasets as tfds

import keras_aegan as kag


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--mock", action="store_true",
                        help="tfds.testing.mock_data instead of the download")
    parser.add_argument("--keras-cv", action="store_true",
                        help="keras-cv's RandomFlip instead of Keras'")
    parser.add_argument("--quick", action="store_true",
                        help="--mock, 16x16 images, 1 epoch of 4 batches")
    args = parser.parse_args(argv)
    if args.quick:
        args.mock, args.image_size, args.epochs = True, 16, 1

    if args.keras_cv:
        import keras_cv

        flip = keras_cv.layers.RandomFlip("horizontal")
    else:
        flip = keras.layers.RandomFlip("horizontal", seed=0)

    def augment(images):
        return flip(images, training=True)

    mock = (tfds.testing.mock_data(num_examples=256) if args.mock
            else contextlib.nullcontext())
    with mock:
        images = kag.datasets.load_tfds(
            args.dataset, image_size=args.image_size, batch_size=64,
            data_dir=args.data_dir, seed=0)
        if args.quick:
            images = images.take(4)
        # Keras' (and keras-cv's) preprocessing layers run inside tf.data
        # on any backend.
        images = images.map(augment)
        channels = images.element_spec.shape[-1]

        keras.utils.set_random_seed(0)
        nets = kag.models.dcgan((args.image_size, args.image_size, channels),
                                latent_dim=64, filters=32 if args.quick else 64)
        gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
                                autoencoder=nets.autoencoder,
                                encoder=nets.encoder, seed=0)
        gan.compile()
        # The pipeline shuffles itself (load_tfds' shuffle_buffer).
        history = gan.fit(images, epochs=args.epochs, shuffle=False,
                          verbose=2)
    print("last epoch:", {k: round(v[-1], 3)
                          for k, v in history.history.items()})
    print("samples:", gan.generate(8, seed=0).shape)


if __name__ == "__main__":
    main()

"""Worker for tests/test_reliability.py: trains a small GAN under the
backend of this process and saves it, with reference samples.

    python save_model.py DIRECTORY

Writes DIRECTORY/<backend>.keras and DIRECTORY/<backend>.npz (samples of
generate() and generate(use_ema=True) for fixed latents, optimizer step
counts, BEGAN's k_t), and a class-conditional GAN (an auxiliary-classifier
discriminator) as DIRECTORY/<backend>_conditional.keras, its samples for
fixed latents and labels in the .npz.
"""

import os
import sys

import keras
import numpy as np

import keras_aegan as kag


def main(directory):
    backend = keras.backend.backend()
    keras.utils.set_random_seed(0)
    x, _ = kag.datasets.ring(256, seed=0)
    nets = kag.models.mlp_gan(2, 4, hidden_units=(16, 16))
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=["manifold", "data", "latent"])
    gan.fit(x, batch_size=64, epochs=1, verbose=0,
            callbacks=[kag.callbacks.GeneratorEMA(0.9)])
    gan.save(os.path.join(directory, f"{backend}.keras"))
    labels = np.arange(256) % 8
    nets = kag.models.mlp_gan(2, 4, hidden_units=(16,), num_classes=8,
                              conditioning="acgan")
    conditional = kag.StabilizedGAN(nets.generator, nets.discriminator,
                                    seed=0)
    conditional.compile(consistency_loss="data", class_loss_weight=0.5)
    conditional.fit(x, labels, batch_size=64, epochs=1, verbose=0)
    conditional.save(os.path.join(directory, f"{backend}_conditional.keras"))
    np.savez(
        os.path.join(directory, f"{backend}.npz"),
        samples=gan.generate(64, seed=3, use_ema=False),
        ema_samples=gan.generate(64, seed=3, use_ema=True),
        iterations=[int(o.iterations) for o in (
            gan.generator_optimizer, gan.discriminator_optimizer,
            gan.autoencoder_optimizer)],
        seed_state=keras.ops.convert_to_numpy(gan.seed_generator.state),
        conditional_samples=conditional.generate(
            64, seed=3, labels=labels[:64]),
    )
    print("saved", backend)


if __name__ == "__main__":
    main(sys.argv[1])

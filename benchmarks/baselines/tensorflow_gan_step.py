"""keras-io style GAN step on TensorFlow: `tf.GradientTape` inside a
`tf.function`, compiled with XLA like StabilizedGAN's default step."""

import keras
import tensorflow as tf


class TensorFlowStep:
    def __init__(self, generator, discriminator, g_opt, d_opt, latent_dim,
                 seed, jit_compile=True):
        g_opt.build(generator.trainable_variables)
        d_opt.build(discriminator.trainable_variables)
        seed_generator = keras.random.SeedGenerator(seed)

        def step(x):
            batch_size = tf.shape(x)[0]
            z = keras.random.normal((batch_size, latent_dim),
                                    seed=seed_generator)
            fake = tf.stop_gradient(generator(z, training=True))
            with tf.GradientTape() as tape:
                real_logits = discriminator(x, training=True)
                fake_logits = discriminator(fake, training=True)
                d_loss = (tf.reduce_mean(tf.nn.softplus(-real_logits))
                          + tf.reduce_mean(tf.nn.softplus(fake_logits)))
            grads = tape.gradient(d_loss, discriminator.trainable_variables)
            d_opt.apply(grads, discriminator.trainable_variables)
            z = keras.random.normal((batch_size, latent_dim),
                                    seed=seed_generator)
            with tf.GradientTape() as tape:
                logits = discriminator(generator(z, training=True),
                                       training=True)
                g_loss = tf.reduce_mean(tf.nn.softplus(-logits))
            grads = tape.gradient(g_loss, generator.trainable_variables)
            g_opt.apply(grads, generator.trainable_variables)
            return d_loss, g_loss

        self._step = tf.function(step, jit_compile=jit_compile)
        self.losses = None

    def step(self, x):
        self.losses = self._step(tf.convert_to_tensor(x))

    def sync(self):
        if self.losses is not None:
            [loss.numpy() for loss in self.losses]


def make_step(generator, discriminator, g_opt, d_opt, latent_dim, seed=0):
    return TensorFlowStep(generator, discriminator, g_opt, d_opt, latent_dim,
                          seed)

"""The keras-io GAN recipe, the one a Keras user would otherwise copy.

Written here from the keras.io guide "Customizing what happens in `fit()`"
(its GAN section) and its PyTorch edition: a `keras.Model` subclass whose
`train_step` updates the discriminator on a concatenated real + fake batch
(binary cross-entropy on logits, labels 1 = fake, 0 = real, plus 0.05
uniform label noise), then the generator against "all real" labels; Adam
3e-4 for both networks; driven by `fit`. Its networks: a 28x28x1
discriminator of two strided 3x3 convolutions (64, 128 filters, LeakyReLU
0.2), global max pooling and a dense logit; a generator from a 128-d
latent through a 7x7x128 dense layer and two 4x4 stride-2 transposed
convolutions (128 filters) to a 7x7 sigmoid convolution.

The guide's `train_step` is backend-specific (`tf.GradientTape` for
TensorFlow, `loss.backward()` for PyTorch); both are here, each in its own
method. Keras' JAX guide has no GAN, and Keras' JAX trainer carries one
optimizer's state through `fit`: on JAX the recipe runs as the same maths
in one `jax.jit`-compiled step outside `fit` (the pattern of Keras' "custom
training loop in JAX" guide), which does no more work per step than `fit`
would.
"""

import keras
from keras import layers

LATENT_DIM = 128
IMAGE_SHAPE = (28, 28, 1)
LEARNING_RATE = 3e-4


def networks(latent_dim=LATENT_DIM):
    """(discriminator, generator) of the keras-io GAN."""
    discriminator = keras.Sequential([
        keras.Input(shape=IMAGE_SHAPE),
        layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1),
    ], name="discriminator")
    generator = keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(7 * 7 * 128),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((7, 7, 128)),
        layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
    ], name="generator")
    return discriminator, generator


def optimizers():
    """(discriminator optimizer, generator optimizer) of the recipe."""
    return (keras.optimizers.Adam(LEARNING_RATE),
            keras.optimizers.Adam(LEARNING_RATE))


class GAN(keras.Model):
    """The keras-io GAN class (TensorFlow and PyTorch `train_step`s)."""

    def __init__(self, discriminator, generator, latent_dim, seed=0):
        if keras.backend.backend() == "jax":
            raise NotImplementedError(
                "The keras-io GAN class has no JAX train_step; on JAX use "
                "JaxRecipe (the same maths as one jitted step).")
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        # Both networks are built; without this Keras' PyTorch trainer
        # calls the model to build it (the class has no `call`).
        self.built = True

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def _batches(self, real_images):
        ops = keras.ops
        batch_size = ops.shape(real_images)[0]
        z = keras.random.normal((batch_size, self.latent_dim),
                                seed=self.seed_generator)
        generated = self.generator(z)
        combined = ops.concatenate([generated, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)),
                                  ops.zeros((batch_size, 1))], axis=0)
        labels = labels + 0.05 * keras.random.uniform(
            ops.shape(labels), seed=self.seed_generator)
        return batch_size, combined, labels

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        if keras.backend.backend() == "torch":
            d_loss, g_loss = self._torch_step(real_images)
        else:
            d_loss, g_loss = self._tensorflow_step(real_images)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(),
                "g_loss": self.g_loss_tracker.result()}

    def _tensorflow_step(self, real_images):
        import tensorflow as tf

        batch_size, combined, labels = self._batches(real_images)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights, strict=True))
        z = keras.random.normal((batch_size, self.latent_dim),
                                seed=self.seed_generator)
        misleading_labels = tf.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(z))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(
            zip(grads, self.generator.trainable_weights, strict=True))
        return d_loss, g_loss

    def _torch_step(self, real_images):
        import torch

        batch_size, combined, labels = self._batches(real_images)
        self.zero_grad()
        d_loss = self.loss_fn(labels, self.discriminator(combined))
        d_loss.backward()
        weights = self.discriminator.trainable_weights
        with torch.no_grad():
            self.d_optimizer.apply([v.value.grad for v in weights], weights)
        z = keras.random.normal((batch_size, self.latent_dim),
                                seed=self.seed_generator)
        misleading_labels = torch.zeros((batch_size, 1),
                                        device=d_loss.device)
        self.zero_grad()
        g_loss = self.loss_fn(misleading_labels,
                              self.discriminator(self.generator(z)))
        g_loss.backward()
        weights = self.generator.trainable_weights
        with torch.no_grad():
            self.g_optimizer.apply([v.value.grad for v in weights], weights)
        return d_loss.detach(), g_loss.detach()


class JaxRecipe:
    """The recipe's step on JAX: one jitted function over both networks'
    and both optimizers' state; `step(x)` takes a NumPy batch."""

    def __init__(self, discriminator, generator, latent_dim, seed=0):
        import jax

        d_opt, g_opt = optimizers()
        d_opt.build(discriminator.trainable_variables)
        g_opt.build(generator.trainable_variables)
        loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.state = (
            [v.value for v in discriminator.trainable_variables],
            [v.value for v in discriminator.non_trainable_variables],
            [v.value for v in generator.trainable_variables],
            [v.value for v in generator.non_trainable_variables],
            [v.value for v in d_opt.variables],
            [v.value for v in g_opt.variables],
        )
        self.key = jax.random.PRNGKey(seed)
        jnp = jax.numpy

        def d_loss_of(d_tv, d_ntv, combined, labels):
            logits, d_ntv = discriminator.stateless_call(d_tv, d_ntv,
                                                         combined)
            return loss_fn(labels, logits), d_ntv

        def g_loss_of(g_tv, g_ntv, d_tv, d_ntv, z):
            images, g_ntv = generator.stateless_call(g_tv, g_ntv, z)
            logits, _ = discriminator.stateless_call(d_tv, d_ntv, images)
            return loss_fn(jnp.zeros((z.shape[0], 1)), logits), g_ntv

        def step(state, key, real_images):
            d_tv, d_ntv, g_tv, g_ntv, d_ov, g_ov = state
            batch_size = real_images.shape[0]
            key, k1, k2, k3 = jax.random.split(key, 4)
            z = jax.random.normal(k1, (batch_size, latent_dim))
            generated, g_ntv = generator.stateless_call(g_tv, g_ntv, z)
            combined = jnp.concatenate([generated, real_images], axis=0)
            labels = jnp.concatenate([jnp.ones((batch_size, 1)),
                                      jnp.zeros((batch_size, 1))], axis=0)
            labels = labels + 0.05 * jax.random.uniform(k2, labels.shape)
            (d_loss, d_ntv), grads = jax.value_and_grad(
                d_loss_of, has_aux=True)(d_tv, d_ntv, combined, labels)
            d_tv, d_ov = d_opt.stateless_apply(d_ov, grads, d_tv)
            z = jax.random.normal(k3, (batch_size, latent_dim))
            (g_loss, g_ntv), grads = jax.value_and_grad(
                g_loss_of, has_aux=True)(g_tv, g_ntv, d_tv, d_ntv, z)
            g_tv, g_ov = g_opt.stateless_apply(g_ov, grads, g_tv)
            return (d_tv, d_ntv, g_tv, g_ntv, d_ov, g_ov), key, d_loss, g_loss

        self._step = jax.jit(step, donate_argnums=(0,))
        self.losses = None

    def step(self, x):
        self.state, self.key, *self.losses = self._step(self.state,
                                                        self.key, x)

    def sync(self):
        import jax

        jax.block_until_ready(self.state)


def contender(seed=0, callbacks=()):
    """`run(x, batch_size)`: one pass of the recipe over `x` (a NumPy
    array of images in [0, 1]), as its user would run it (`fit` with
    `callbacks`; JAX: the jitted step, one call per batch)."""
    keras.utils.set_random_seed(seed)
    discriminator, generator = networks()
    if keras.backend.backend() == "jax":
        recipe = JaxRecipe(discriminator, generator, LATENT_DIM, seed)

        def run(x, batch_size):
            for start in range(0, len(x), batch_size):
                recipe.step(x[start:start + batch_size])
            recipe.sync()

        return run
    gan = GAN(discriminator, generator, LATENT_DIM, seed)
    d_opt, g_opt = optimizers()
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt,
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))

    def run(x, batch_size):
        gan.fit(x, batch_size=batch_size, epochs=1, shuffle=False, verbose=0,
                callbacks=list(callbacks))

    return run

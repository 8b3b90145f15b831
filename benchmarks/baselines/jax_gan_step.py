"""keras-io style GAN step on JAX: `jax.jit` over `stateless_call` and
`stateless_apply` (the pattern of the Keras "custom training loop in JAX"
guide)."""

import jax
import jax.numpy as jnp


def _d_loss(d_tv, d_ntv, g_tv, g_ntv, generator, discriminator, x, z):
    fake, g_ntv = generator.stateless_call(g_tv, g_ntv, z, training=True)
    fake = jax.lax.stop_gradient(fake)
    real_logits, d_ntv = discriminator.stateless_call(d_tv, d_ntv, x,
                                                      training=True)
    fake_logits, d_ntv = discriminator.stateless_call(d_tv, d_ntv, fake,
                                                      training=True)
    loss = (jnp.mean(jax.nn.softplus(-real_logits))
            + jnp.mean(jax.nn.softplus(fake_logits)))
    return loss, (d_ntv, g_ntv)


def _g_loss(g_tv, g_ntv, d_tv, d_ntv, generator, discriminator, z):
    fake, g_ntv = generator.stateless_call(g_tv, g_ntv, z, training=True)
    logits, d_ntv = discriminator.stateless_call(d_tv, d_ntv, fake,
                                                 training=True)
    return jnp.mean(jax.nn.softplus(-logits)), (g_ntv, d_ntv)


class JaxStep:
    def __init__(self, generator, discriminator, g_opt, d_opt, latent_dim,
                 seed):
        g_opt.build(generator.trainable_variables)
        d_opt.build(discriminator.trainable_variables)
        self.state = (
            [v.value for v in generator.trainable_variables],
            [v.value for v in generator.non_trainable_variables],
            [v.value for v in discriminator.trainable_variables],
            [v.value for v in discriminator.non_trainable_variables],
            [v.value for v in g_opt.variables],
            [v.value for v in d_opt.variables],
        )
        self.key = jax.random.PRNGKey(seed)

        def step(state, key, x):
            g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov = state
            key, k1, k2 = jax.random.split(key, 3)
            z = jax.random.normal(k1, (x.shape[0], latent_dim))
            (d_loss, (d_ntv, g_ntv)), grads = jax.value_and_grad(
                _d_loss, has_aux=True)(d_tv, d_ntv, g_tv, g_ntv, generator,
                                       discriminator, x, z)
            d_tv, d_ov = d_opt.stateless_apply(d_ov, grads, d_tv)
            z = jax.random.normal(k2, (x.shape[0], latent_dim))
            (g_loss, (g_ntv, d_ntv)), grads = jax.value_and_grad(
                _g_loss, has_aux=True)(g_tv, g_ntv, d_tv, d_ntv, generator,
                                       discriminator, z)
            g_tv, g_ov = g_opt.stateless_apply(g_ov, grads, g_tv)
            return (g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov), key, d_loss, g_loss

        self._step = jax.jit(step, donate_argnums=(0,))
        self.losses = None

    def step(self, x):
        self.state, self.key, d_loss, g_loss = self._step(self.state,
                                                          self.key, x)
        self.losses = (d_loss, g_loss)

    def sync(self):
        jax.block_until_ready(self.state)


def make_step(generator, discriminator, g_opt, d_opt, latent_dim, seed=0):
    return JaxStep(generator, discriminator, g_opt, d_opt, latent_dim, seed)

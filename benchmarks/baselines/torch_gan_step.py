"""keras-io style GAN step on PyTorch: Keras layers, `loss.backward()` and
the Keras optimizer's `apply` (the Keras "custom training loop in PyTorch"
guide)."""

import keras
import torch
import torch.nn.functional as F


class TorchStep:
    def __init__(self, generator, discriminator, g_opt, d_opt, latent_dim,
                 seed):
        g_opt.build(generator.trainable_variables)
        d_opt.build(discriminator.trainable_variables)
        self.generator, self.discriminator = generator, discriminator
        self.g_opt, self.d_opt = g_opt, d_opt
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.losses = None

    def _apply(self, network, optimizer, loss):
        network.zero_grad()
        loss.backward()
        variables = network.trainable_variables
        grads = [v.value.grad for v in variables]
        with torch.no_grad():
            optimizer.apply(grads, variables)

    def step(self, x):
        x = keras.ops.convert_to_tensor(x)
        batch_size = x.shape[0]
        z = keras.random.normal((batch_size, self.latent_dim),
                                seed=self.seed_generator)
        with torch.no_grad():
            fake = self.generator(z, training=True)
        real_logits = self.discriminator(x, training=True)
        fake_logits = self.discriminator(fake, training=True)
        d_loss = (F.softplus(-real_logits).mean()
                  + F.softplus(fake_logits).mean())
        self._apply(self.discriminator, self.d_opt, d_loss)
        z = keras.random.normal((batch_size, self.latent_dim),
                                seed=self.seed_generator)
        logits = self.discriminator(self.generator(z, training=True),
                                    training=True)
        g_loss = F.softplus(-logits).mean()
        self._apply(self.generator, self.g_opt, g_loss)
        self.losses = (d_loss.detach(), g_loss.detach())

    def sync(self):
        if torch.cuda.is_available():
            torch.cuda.synchronize()


def make_step(generator, discriminator, g_opt, d_opt, latent_dim, seed=0):
    return TorchStep(generator, discriminator, g_opt, d_opt, latent_dim, seed)

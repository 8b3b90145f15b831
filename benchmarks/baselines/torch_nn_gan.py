"""What a PyTorch user writes without Keras: `torch.nn` modules with the
same layer sizes as our builders, `torch.optim.Adam`, `backward()`."""

import torch
import torch.nn.functional as F
from torch import nn


def mlp(sizes, activation):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def mlp_networks(data_dim, latent_dim, hidden_units):
    hidden = list(hidden_units)
    return (mlp([latent_dim, *hidden, data_dim], nn.Tanh),
            mlp([data_dim, *hidden, 1], nn.Tanh))


def dcgan_networks(image_shape, latent_dim, filters):
    """Mirrors `kag.models.dcgan` (NCHW instead of NHWC)."""
    side, _, channels = image_shape
    steps = {8: 1, 16: 2, 32: 3, 64: 4}[side]
    top = filters * 2 ** (steps - 1)
    up = [nn.Linear(latent_dim, 4 * 4 * top), nn.BatchNorm1d(4 * 4 * top),
          nn.ReLU(), nn.Unflatten(1, (top, 4, 4))]
    width = top
    for i in reversed(range(steps)):
        out = max(filters * 2**i // 2, 8)
        up += [nn.ConvTranspose2d(width, out, 4, stride=2, padding=1),
               nn.BatchNorm2d(out), nn.ReLU()]
        width = out
    up += [nn.Conv2d(width, channels, 3, padding=1), nn.Tanh()]
    down, width = [], channels
    for i in range(steps):
        out = filters * 2**i
        down += [nn.Conv2d(width, out, 4, stride=2, padding=1),
                 nn.LeakyReLU(0.2)]
        width = out
    down += [nn.Flatten(), nn.Linear(width * 4 * 4, 1)]
    return nn.Sequential(*up), nn.Sequential(*down)


class TorchNNLoop:
    def __init__(self, generator, discriminator, g_lr, d_lr, latent_dim,
                 channels_first=False, seed=0):
        torch.manual_seed(seed)
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.generator = generator.to(self.device)
        self.discriminator = discriminator.to(self.device)
        self.g_opt = torch.optim.Adam(generator.parameters(), g_lr,
                                      betas=(0.5, 0.999))
        self.d_opt = torch.optim.Adam(discriminator.parameters(), d_lr,
                                      betas=(0.5, 0.999))
        self.latent_dim = latent_dim
        self.channels_first = channels_first
        self.losses = None

    def step(self, x):
        x = torch.as_tensor(x, device=self.device)
        if self.channels_first and x.ndim == 4:
            x = x.permute(0, 3, 1, 2)
        batch_size = x.shape[0]
        z = torch.randn(batch_size, self.latent_dim, device=self.device)
        with torch.no_grad():
            fake = self.generator(z)
        d_loss = (F.softplus(-self.discriminator(x)).mean()
                  + F.softplus(self.discriminator(fake)).mean())
        self.d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_opt.step()
        z = torch.randn(batch_size, self.latent_dim, device=self.device)
        g_loss = F.softplus(-self.discriminator(self.generator(z))).mean()
        self.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_opt.step()
        self.losses = (d_loss.detach(), g_loss.detach())

    def sync(self):
        if self.device == "cuda":
            torch.cuda.synchronize()

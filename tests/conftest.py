import keras
import numpy as np
import pytest

import keras_aegan as kag

LATENT_DIM = 4


@pytest.fixture(autouse=True)
def clear_session():
    keras.utils.clear_session()
    yield


@pytest.fixture
def ring_data():
    x, _ = kag.datasets.ring(512, seed=0)
    return x


def tiny_nets(data_dim=2, latent_dim=LATENT_DIM, seed=0, **kwargs):
    keras.utils.set_random_seed(seed)
    return kag.models.mlp_gan(data_dim, latent_dim, hidden_units=(16, 16),
                              **kwargs)


def tiny_gan(seed=0, nets=None, **kwargs):
    nets = nets or tiny_nets(seed=seed)
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=seed,
                             **kwargs)


def weights_of(network):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in network.weights]


def moved(before, network):
    after = weights_of(network)
    return any(not np.allclose(a, b) for a, b in zip(before, after))


def optimizer_state(optimizer):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in optimizer.variables]

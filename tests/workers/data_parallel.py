"""Worker for tests/test_distributed.py: a few training steps on one device
with global batch B, then the same steps data-parallel on 2 devices or
processes with the same global batch, under this process's backend.

    python data_parallel.py OUTPUT.npz

- jax: `keras.distribution.DataParallel` over 2 host CPU devices
  (`--xla_force_host_platform_device_count=2`);
- tensorflow: `tf.distribute.MirroredStrategy` over 2 logical CPUs;
- torch: 2 processes (`torch.multiprocessing`), a `gloo` process group on
  loopback, each fitting its half of every global batch.

Each of the two runs trains a non-saturating GAN, a BEGAN one and a
class-conditional one (an auxiliary-classifier discriminator: the labels
are sliced with their batch on every replica). Writes the weights of both
runs (`single/<i>`, `parallel/<i>`), all optimizer variables and BEGAN's
k_t included.
"""

import os
import sys

BACKEND = os.environ.get("KERAS_BACKEND", "jax")
if BACKEND == "jax":
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                               + " --xla_force_host_platform_device_count=2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_aegan as kag  # noqa: E402

GLOBAL_BATCH, STEPS, REPLICAS = 64, 2, 2


def data():
    """The ring's samples and, as class labels, their Gaussian's index."""
    x, centers = kag.datasets.ring(GLOBAL_BATCH * STEPS, seed=0)
    labels = np.argmin(((x[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    return x, labels.astype("int32")


def build_and_fit(x, batch_size, began=False, labels=None):
    keras.utils.set_random_seed(0)
    conditional = ({} if labels is None
                   else {"num_classes": 8, "conditioning": "acgan"})
    nets = kag.models.mlp_gan(2, 4, hidden_units=(16, 16),
                              autoencoder_discriminator=began, **conditional)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    # Every network and random draw of the step: the recommended terms
    # (denoising autoencoder, encoder) and the latent term; BEGAN's k_t.
    gan.compile(consistency_loss=kag.models.recommended_consistency_losses()
                + ["latent"], discriminator_steps=2,
                adversarial_loss="began" if began else "non_saturating",
                # TensorFlow: not XLA under MirroredStrategy, so neither on
                # one device (XLA draws other random numbers).
                jit_compile=BACKEND != "tensorflow" and "auto")
    if began:
        gan.balance.assign(0.5)  # k_t moves both ways from here
    history = gan.fit(x, labels, batch_size=batch_size, epochs=1,
                      shuffle=False, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert int(keras.ops.convert_to_numpy(
        gan.generator_optimizer.iterations)) == STEPS
    if keras.distribution.distribution() is not None:
        # Really data-parallel: the weights are replicated on both devices.
        sharding = gan.generator.weights[0].value.sharding
        assert len(sharding.device_set) == REPLICAS, sharding
    return gan


def fit_both(x, labels, batch_size):
    """Weights and optimizer state after a non-saturating, a BEGAN and a
    conditional run."""
    return (weights(build_and_fit(x, batch_size))
            + weights(build_and_fit(x, batch_size, began=True))
            + weights(build_and_fit(x, batch_size, labels=labels)))


def weights(gan):
    return [np.array(keras.ops.convert_to_numpy(v))
            for v in gan.weights + gan.optimizer.variables]


def local_shard(x, rank):
    """Rank `rank`'s half of every global batch, in order."""
    per_replica = GLOBAL_BATCH // REPLICAS
    return x.reshape(STEPS, REPLICAS, per_replica, -1)[:, rank].reshape(
        (-1,) + x.shape[1:])


def torch_worker(rank, output):
    import torch.distributed as dist

    dist.init_process_group("gloo", rank=rank, world_size=REPLICAS)
    try:
        x, labels = data()
        state = fit_both(local_shard(x, rank), local_shard(labels, rank),
                         GLOBAL_BATCH // REPLICAS)
        if rank == 0:
            np.savez(output, *state)
    finally:
        dist.destroy_process_group()


def parallel_weights(output):
    if BACKEND == "jax":
        import jax

        devices = jax.devices()
        assert len(devices) == REPLICAS, devices
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices))
        try:
            return fit_both(*data(), GLOBAL_BATCH)
        finally:
            keras.distribution.set_distribution(None)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert strategy.num_replicas_in_sync == REPLICAS
        with strategy.scope():
            return fit_both(*data(), GLOBAL_BATCH)
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as sock:  # a free loopback port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    path = output + ".rank0.npz"
    mp.spawn(torch_worker, args=(path,), nprocs=REPLICAS, join=True)
    saved = np.load(path)
    return [saved[f"arr_{i}"] for i in range(len(saved.files))]


def main(output):
    if BACKEND == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * REPLICAS)
    single = fit_both(*data(), GLOBAL_BATCH)
    keras.utils.clear_session()
    parallel = parallel_weights(output)
    np.savez(output, **{f"single/{i}": w for i, w in enumerate(single)},
             **{f"parallel/{i}": w for i, w in enumerate(parallel)})
    print("done", BACKEND, len(single))


if __name__ == "__main__":
    main(sys.argv[1])

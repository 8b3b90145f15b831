"""PyTorch: `torch.distributed` process groups (`torchrun`, any backend:
`gloo` on CPUs, `nccl` on GPUs).

Each process runs the whole step on its own slice of the global batch and
the gradients of every network are averaged with `all_reduce` before the
update, as DistributedDataParallel does. DDP's wrapper itself cannot be
used: it hooks one module's forward and `.backward()`, while a GAN step
differentiates several losses, each for other networks, with
`torch.autograd.grad`.
"""

import torch
import torch.distributed as dist


def _world_size():
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def replica_context():
    """`(num_replicas, replica_index)`: the world size and this rank."""
    size = _world_size()
    return (size, dist.get_rank()) if size > 1 else (1, 0)


def all_reduce_mean(values):
    """Means of `values` over the processes (a list of tensors)."""
    values = list(values)
    size = _world_size()
    if size == 1 or not values:
        return values
    flat = torch.cat([v.detach().reshape(-1) for v in values])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat = flat / size
    out, start = [], 0
    for value in values:
        out.append(flat[start:start + value.numel()].reshape(value.shape)
                   .to(value.dtype))
        start += value.numel()
    return out


def reduce_gradients(grads):
    """Gradients averaged over the processes: one bucket, one all_reduce."""
    return all_reduce_mean(grads)


def xla_compatible():
    """Whether the step may be compiled as usual."""
    return True


def xla_by_default():
    """What `jit_compile="auto"` resolves to: eager, as in Keras (True would
    use `torch.compile`)."""
    return False


def unscale_keras_loss(value):
    """A `keras.losses.Loss` value (Keras scales only on TensorFlow)."""
    return value

"""JAX: data parallelism is `keras.distribution.DataParallel`.

Keras shards each batch over the devices and replicates the variables; the
jitted step is written for the global batch and XLA inserts the
all-reduces. So the step sees one replica: nothing to do here.
"""


def replica_context():
    """`(num_replicas, replica_index)` of the running step."""
    return 1, 0


def all_reduce_mean(values):
    """Means of `values` over the replicas (a list of tensors)."""
    return list(values)


def xla_compatible():
    """Whether the step may be compiled as usual."""
    return True


def xla_by_default():
    """What `jit_compile="auto"` resolves to: `jax.jit`, as in Keras."""
    return True


def unscale_keras_loss(value):
    """A `keras.losses.Loss` value (Keras scales only on TensorFlow)."""
    return value

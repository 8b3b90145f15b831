"""TensorFlow: `tf.distribute` strategies (e.g. `MirroredStrategy`).

Keras runs `train_step` once per replica on that replica's slice of the
global batch, and its optimizers sum the gradients over the replicas
(`all_reduce` with `SUM`). A loss averaged over the local batch must
therefore be divided by the number of replicas for the sum to be the
gradient of the global-batch mean (keras-team/keras#20164).
"""

import tensorflow as tf


def _context():
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def replica_context():
    """`(num_replicas, replica_index)` of the running step; the index is a
    scalar tensor inside a strategy."""
    context = _context()
    if context is None:
        return 1, 0
    return context.num_replicas_in_sync, context.replica_id_in_sync_group


def all_reduce_mean(values):
    """Means of `values` over the replicas (a list of tensors)."""
    context = _context()
    if context is None:
        return list(values)
    return list(context.all_reduce(tf.distribute.ReduceOp.MEAN, list(values)))


def scale_for_gradient_sum(loss):
    """The loss whose gradient, summed over replicas, is the global one."""
    context = _context()
    if context is None:
        return loss
    return loss / tf.cast(context.num_replicas_in_sync, loss.dtype)


def xla_compatible():
    """Whether the step may be XLA-compiled: not under a multi-replica
    strategy (XLA cannot reach the other replicas' variables on CPU)."""
    return tf.distribute.get_strategy().num_replicas_in_sync == 1


def xla_by_default():
    """What `jit_compile="auto"` resolves to: Keras' own rule, XLA only
    where a GPU or TPU is visible (on a CPU a `tf.function` graph runs the
    GAN step faster than XLA's CPU code; benchmarks/step_cost.py measures
    both), and only where `xla_compatible()`."""
    accelerators = (tf.config.list_logical_devices("GPU")
                    + tf.config.list_logical_devices("TPU"))
    return bool(accelerators) and xla_compatible()


def unscale_keras_loss(value):
    """A `keras.losses.Loss` value back to the local-batch mean: under a
    strategy, Keras' `Loss.__call__` already divides by the replicas."""
    context = _context()
    if context is None:
        return value
    return value * tf.cast(context.num_replicas_in_sync, value.dtype)

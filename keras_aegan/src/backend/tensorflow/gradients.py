"""TensorFlow: input gradients with a nested `tf.GradientTape`."""

import tensorflow as tf

# Whether the compiled step (`jit_compile=True`) can hold input gradients.
COMPILES_DOUBLE_BACKWARD = True

def input_gradients(fn, inputs, variables):
    """Gradient of `sum(fn(inputs))` with respect to `inputs`.

    The result stays differentiable: the training step's outer tape records
    the inner tape's computation, so a penalty on these gradients trains the
    network (double backpropagation). `variables` is unused here (the tape
    reads the variables directly).
    """
    del variables
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        total = tf.reduce_sum(fn(inputs))
    return tape.gradient(total, inputs)

"""Reading the first batch of TensorFlow data (any Keras backend)."""

import numpy as np
import tensorflow as tf


def first_batch(x, real_samples):
    """`(samples, full)` for a `tf.data.Dataset` (its first batch) or a
    tensor (all of it); `real_samples(batch)` picks `x` out of a batch."""
    if isinstance(x, tf.data.Dataset):
        for batch in x.take(1):
            return np.asarray(real_samples(batch)), False
        raise ValueError("The tf.data.Dataset passed to fit() is empty.")
    return np.asarray(x), True

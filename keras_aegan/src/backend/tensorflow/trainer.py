"""TensorFlow: gradients with `tf.GradientTape`, inside Keras' tf.function."""

import tensorflow as tf

from keras_aegan.src.backend.tensorflow import distributed


class GANTrainer:
    def train_step(self, data):
        return self._gan_step(data, training=True)

    def test_step(self, data):
        return self._gan_step(data, training=False)

    def _minimize(self, loss_fn, variables, optimizer):
        with tf.GradientTape() as tape:
            loss, aux = loss_fn()
            # Multiplied by the loss scale under mixed_float16 (a
            # LossScaleOptimizer unscales in `apply`); else unchanged.
            # Divided by the replicas under a tf.distribute strategy (the
            # optimizer sums their gradients).
            scaled_loss = optimizer.scale_loss(
                distributed.scale_for_gradient_sum(loss))
        grads = tape.gradient(scaled_loss, variables)
        optimizer.apply(grads, variables)
        return loss, aux

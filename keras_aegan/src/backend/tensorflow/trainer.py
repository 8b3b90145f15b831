"""TensorFlow: gradients with `tf.GradientTape`, inside Keras' tf.function."""

import tensorflow as tf


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
            scaled_loss = optimizer.scale_loss(loss)
        grads = tape.gradient(scaled_loss, variables)
        optimizer.apply(grads, variables)
        return loss, aux

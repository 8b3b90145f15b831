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
        grads = tape.gradient(loss, variables)
        optimizer.apply(grads, variables)
        return loss, aux

"""PyTorch: gradients with torch autograd, applied under `torch.no_grad`."""

import torch

from keras_aegan.src.backend.torch import distributed


class GANTrainer:
    def train_step(self, data):
        return self._gan_step(data, training=True)

    def test_step(self, data):
        with torch.no_grad():
            return self._gan_step(data, training=False)

    def _minimize(self, loss_fn, variables, optimizer):
        loss, aux = loss_fn()
        # Gradients of this loss for these parameters only: the other
        # networks' `.grad` buffers are neither filled nor needed.
        # scale_loss: see the TensorFlow trainer.
        grads = torch.autograd.grad(optimizer.scale_loss(loss),
                                    [v.value for v in variables])
        # Averaged over the processes of a torch.distributed group.
        grads = distributed.reduce_gradients(grads)
        with torch.no_grad():
            optimizer.apply(list(grads), variables)
        return loss.detach(), aux

"""Reading the first batch of PyTorch data (any Keras backend)."""

import keras
import numpy as np
import torch


def first_batch(x, real_samples):
    """`(samples, full)` for a `DataLoader` (its first batch) or a tensor
    (all of it), `(None, False)` for anything else; `real_samples(batch)`
    picks `x` out of a batch."""
    if isinstance(x, torch.utils.data.DataLoader):
        for batch in x:
            if (isinstance(batch, torch.Tensor)
                    and keras.backend.backend() != "torch"):
                raise ValueError(
                    "The DataLoader yields bare tensors. On the "
                    f"{keras.backend.backend()} backend Keras splits such "
                    "batches into rows (keras-team/keras#23080). Make "
                    "the Dataset return a tuple `(x,)` per sample, or "
                    "use torch.utils.data.TensorDataset(x)."
                )
            return np.asarray(real_samples(batch)), False
        raise ValueError("The DataLoader passed to fit() is empty.")
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy(), True
    return None, False

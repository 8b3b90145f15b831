"""Worker for tests/test_reliability.py: one training run in its own process.

    python resume_run.py MODE BACKUP_DIR OUTPUT.npz

MODE: "straight" (4 epochs, no interruption), "crash" (BackupAndRestore;
the process kills itself with SIGKILL in the middle of epoch 3) or "resume"
(the same command again after the crash: BackupAndRestore restores the last
finished epoch and training completes). Writes every variable of the model
(networks, EMA generator, all optimizers, BEGAN's k_t, seed generator) and
the epochs that ran to OUTPUT.npz.
"""

import json
import os
import signal
import sys

import keras
import numpy as np

import keras_aegan as kag

EPOCHS = 4
CRASH_EPOCH, CRASH_BATCH = 2, 1  # 0-based: the second batch of epoch 3


class KillInEpoch3(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == CRASH_EPOCH and batch == CRASH_BATCH:
            os.kill(os.getpid(), signal.SIGKILL)


class RecordEpochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def main(mode, backup_dir, output):
    keras.utils.set_random_seed(0)
    x, _ = kag.datasets.ring(512, seed=0)
    nets = kag.models.mlp_gan(2, 4, hidden_units=(16, 16),
                              autoencoder_discriminator=True)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    # BEGAN (k_t), the recommended terms (autoencoder and encoder, three
    # optimizers) and an EMA generator: every piece of state at once.
    gan.compile(adversarial_loss="began")
    # k_t starts mid-range so that it moves both ways (from 0 it stays
    # clipped at 0 in a run this short).
    gan.balance.assign(0.5)
    record = RecordEpochs()
    callbacks = [kag.callbacks.GeneratorEMA(0.9), record]
    if mode != "straight":
        callbacks.append(keras.callbacks.BackupAndRestore(backup_dir))
    if mode == "crash":
        callbacks.append(KillInEpoch3())
    gan.fit(x, batch_size=128, epochs=EPOCHS, shuffle=False, verbose=0,
            callbacks=callbacks)
    state = {f"{i}:{v.path}": keras.ops.convert_to_numpy(v)
             for i, v in enumerate(gan.variables + gan.optimizer.variables)}
    state["seed_state"] = keras.ops.convert_to_numpy(gan.seed_generator.state)
    state["epochs_run"] = np.array(record.epochs)
    np.savez(output, **state)
    print(json.dumps({"backend": keras.backend.backend(),
                      "epochs_run": record.epochs}))


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Resume a training run after a crash with `keras.callbacks.BackupAndRestore`.

`BackupAndRestore` saves the whole StabilizedGAN at the end of each epoch:
the networks, the EMA generator, the three optimizers, BEGAN's k_t, the
seed generator and the epoch. After a crash (a killed process, a preempted
machine), running the same script again continues from the last finished
epoch, and on a CPU ends with exactly the weights an uninterrupted run has
(with a data order that does not depend on lost state: `shuffle=False`).

This script shows it in one process: run 1 "crashes" in the middle of an
epoch, run 2 (a new model, the same `fit` call) resumes, and a third,
uninterrupted run is compared with it. In your own script, just keep the
callback and rerun the script after a crash.

Run:
    KERAS_BACKEND=torch python examples/resume_training.py [--quick]
"""

import argparse
import shutil
import tempfile

import keras
import numpy as np

import keras_aegan as kag


class Crash(Exception):
    pass


class CrashInEpoch(keras.callbacks.Callback):
    """Stands in for a killed process: raises in the middle of an epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.crash_epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.crash_epoch and batch == 2:
            raise Crash(f"simulated crash in epoch {self.epoch + 1}")


def train(x, epochs, backup_dir=None, crash_in_epoch=None):
    keras.utils.set_random_seed(0)
    nets = kag.models.mlp_gan(2, latent_dim=16)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile()  # also keeps the generator's average (EMA)
    callbacks = []
    if backup_dir:
        callbacks.append(keras.callbacks.BackupAndRestore(backup_dir))
    if crash_in_epoch is not None:
        callbacks.append(CrashInEpoch(crash_in_epoch))
    # shuffle=False: the data order of an epoch must not depend on state a
    # crash loses (the ring samples are already in random order). With
    # shuffle=True the resumed run is as good a run, not the same numbers.
    history = gan.fit(x, batch_size=256, epochs=epochs, shuffle=False,
                      verbose=0, callbacks=callbacks)
    return gan, history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    epochs = 4 if args.quick else args.epochs
    crash_in = epochs // 2  # 0-based: the middle epoch
    x, _ = kag.datasets.ring(2560, seed=0)
    backup_dir = tempfile.mkdtemp(prefix="kag_backup_")
    try:
        try:
            train(x, epochs, backup_dir, crash_in_epoch=crash_in)
        except Crash as e:
            print(f"run 1: {e}; the backup holds epochs 1-{crash_in}")
        resumed, history = train(x, epochs, backup_dir)
        print(f"run 2: resumed, trained epochs "
              f"{history.epoch[0] + 1}-{history.epoch[-1] + 1}")
    finally:
        shutil.rmtree(backup_dir, ignore_errors=True)

    uninterrupted, _ = train(x, epochs)
    for use_ema in (False, True):
        a = resumed.generate(1000, seed=0, use_ema=use_ema)
        b = uninterrupted.generate(1000, seed=0, use_ema=use_ema)
        print(f"{'EMA generator' if use_ema else 'generator'}: resumed vs "
              f"uninterrupted, max |difference| = {np.abs(a - b).max():.2e}")
    print("backend:", keras.backend.backend())


if __name__ == "__main__":
    main()

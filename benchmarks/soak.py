"""Memory: peak host (and device) memory of `compile()`'s default vs a
plain step, and a soak run whose resident memory must not grow.

Each setup trains in its own process (peak memory is per process), on the
backend given: the B1 networks (MLPs of 2 x 128 tanh units, latent 256) on
the 2-D ring, batch 512, `fit` over epochs of `--sample-every` steps (500)
until `--steps` generator steps (20,000). Setups: `plain`
(`consistency_loss=None, gradient_penalty=None, generator_ema=None`) and
`recommended`
(`compile()` with no arguments: the consistency terms and R1). After every
epoch a callback records the process's resident set size (psutil). The
growth is the change of the resident size from the end of the warm-up (the
first 20% of the steps: compilation, allocator pools) to the end of the
run, relative to the former; a leak shows as growth that keeps coming with
the steps (target: under 5%). Also recorded: the process's peak resident
size (`resource.getrusage`) and, where a GPU is visible, the device's peak
memory as the backend reports it.

Run:  python benchmarks/soak.py --backend jax [--steps 20000] [--quick]
Writes OUTPUT/soak_BACKEND.json and OUTPUT/soak_BACKEND.png (resident
size over steps, one line per setup) and prints the table.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))

SETUPS = {
    "plain": {"consistency_loss": None, "gradient_penalty": None,
              "generator_ema": None},
    "recommended": {},
}
BATCH_SIZE = 512
WARM_UP = 0.2
GROWTH_TARGET = 0.05


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--sample-every", type=int, default=500,
                        help="steps per epoch: one memory sample each")
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--quick", action="store_true",
                        help="200 steps, a sample every 20: a smoke run")
    parser.add_argument("--output", default="runs/bench")
    # Accepted for the common benchmark interface; unused here.
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.sample_every = 200, 20
    if args.steps < 2 * args.sample_every:
        parser.error(f"--steps {args.steps} gives fewer than two samples "
                     f"of memory (one every {args.sample_every} steps); "
                     "raise --steps or lower --sample-every.")
    if args.steps % args.sample_every:
        parser.error(f"--steps {args.steps} is not a whole number of "
                     f"epochs of --sample-every {args.sample_every} steps")
    unknown = set(args.setups.split(",")) - set(SETUPS)
    if unknown:
        parser.error(f"unknown setups {sorted(unknown)}; choose from "
                     f"{list(SETUPS)}")
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    return args


def resident_mb():
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_resident_mb():
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


def device_peak_mb():
    """The accelerator's peak memory in MiB as the backend reports it;
    None without a GPU."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform == "cpu":
            return None
        return device.memory_stats()["peak_bytes_in_use"] / 2**20
    if backend == "torch":
        import torch

        if not torch.cuda.is_available():
            return None
        return torch.cuda.max_memory_allocated() / 2**20
    import tensorflow as tf

    if not tf.config.list_logical_devices("GPU"):
        return None
    return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20


def train(setup, steps, sample_every):
    """Trains one setup in this process; returns its memory record."""
    import keras
    import numpy as np

    import keras_aegan as kag

    keras.utils.set_random_seed(0)
    x, _ = kag.datasets.ring(BATCH_SIZE * sample_every, seed=0)
    nets = kag.models.mlp_gan(2, 256, hidden_units=(128, 128),
                              activation="tanh")
    # Only the networks a setup uses, as a user would write it.
    extra = ({} if setup == "plain" else
             {"autoencoder": nets.autoencoder, "encoder": nets.encoder})
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0,
                            **extra)
    gan.compile(**SETUPS[setup])
    trace = []

    class Sample(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            trace.append([(epoch + 1) * sample_every, resident_mb()])

    history = gan.fit(x, batch_size=BATCH_SIZE, epochs=steps // sample_every,
                      shuffle=False, verbose=0, callbacks=[Sample()])
    losses = np.array([history.history[k] for k in ("d_loss", "g_loss")])
    warm = next(mb for step, mb in trace if step >= WARM_UP * steps)
    return {
        "steps": trace[-1][0],
        "resident_mb": trace,
        "growth_after_warm_up": (trace[-1][1] - warm) / warm,
        "peak_resident_mb": peak_resident_mb(),
        "device_peak_mb": device_peak_mb(),
        "finite_losses": bool(np.isfinite(losses).all()),
    }


def run_child(args, setup):
    """Runs `setup` in a new process of this script; returns its record."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "record.json")
        command = [sys.executable, os.path.abspath(__file__), "--child",
                   setup, "--steps", str(args.steps), "--sample-every",
                   str(args.sample_every), "--output", path]
        env = dict(os.environ)
        result = subprocess.run(command, env=env, capture_output=True,
                                text=True)
        if result.returncode != 0:
            raise RuntimeError(f"soak {setup} failed:\n{result.stderr}")
        with open(path) as f:
            return json.load(f)


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.5))
    for setup, record in results["setups"].items():
        steps, mb = zip(*record["resident_mb"], strict=True)
        axis.plot(steps, mb, label=setup)
    axis.axvline(WARM_UP * results["steps"], color="gray", linestyle=":",
                 label="end of warm-up")
    axis.set_xlabel("generator steps")
    axis.set_ylabel("resident memory (MiB)")
    axis.set_title(f"soak run, {results['backend']}")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def check_results(results):
    """Raises if the results miss a figure the JSON must have."""
    for setup, record in results["setups"].items():
        for field in ("resident_mb", "growth_after_warm_up",
                      "peak_resident_mb", "finite_losses"):
            if field not in record:
                raise RuntimeError(f"soak {setup}: no {field}")
        if record["steps"] != results["steps"]:
            raise RuntimeError(f"soak {setup}: ran {record['steps']} steps "
                               f"of {results['steps']}")


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        record = train(args.child, args.steps, args.sample_every)
        with open(args.output, "w") as f:
            json.dump(record, f)
        return record
    import keras

    backend = keras.backend.backend()
    results = {"backend": backend, "steps": args.steps,
               "sample_every": args.sample_every, "batch_size": BATCH_SIZE,
               "setups": {}}
    for setup in args.setups.split(","):
        results["setups"][setup] = run_child(args, setup)
    check_results(results)
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, f"soak_{backend}.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    plot(results, os.path.join(args.output, f"soak_{backend}.png"))
    print(f"\nsoak on {backend}: {args.steps} steps, batch {BATCH_SIZE}")
    print(f"  {'setup':12s} {'peak MiB':>9s} {'growth':>8s} "
          f"{'device MiB':>11s}")
    for setup, record in results["setups"].items():
        device = record["device_peak_mb"]
        print(f"  {setup:12s} {record['peak_resident_mb']:9.0f} "
              f"{100 * record['growth_after_warm_up']:7.1f}% "
              f"{'-' if device is None else f'{device:.0f}':>11s}")
    print(f"\nwrote {path}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

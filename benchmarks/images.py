"""B2c: stacked digits as colour images, with convolutional networks.

The digits benchmark (`benchmarks/digits.py`) with what users train on
images: stacked digits (three independent 8x8 digits as the three channels,
1000 equally likely modes) upscaled bilinearly to SIDE x SIDE x 3, and
`kag.models.dcgan((SIDE, SIDE, 3), 64)` networks, batch 64. The generated
images are averaged back to 8x8 (2x2 or 4x4 blocks) and scored by the same
judge as digits.py: modes covered (>= 1 sample of 10,000), KL over the 1000
modes, confidence, and the Fréchet distance on the judge's hidden features
per channel; the real reference (and its real-vs-real floor) goes through
the same upscale-and-average round trip.

Sides: 16 (the CPU protocol: 3,000 generator steps, minutes a run with the
TensorFlow backend) and 32 (for a GPU, `benchmarks/gpu_check.sh`).

Run:  python benchmarks/images.py --backend tensorflow [--quick]
          [--image-size 16] [--seeds 10] [--first-seed 0] [--steps 3000]
          [--methods plain,recommended] [--scored 10000]
      python benchmarks/images.py --merge A/images.json B/images.json ...
          --output DIR   (pools separate processes' runs by seed)
Writes OUTPUT/images.json and OUTPUT/images_samples_stackedSIDE.png.
"""

import argparse
import functools
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))

from benchmarks import digits  # noqa: E402
from benchmarks.common import merge_requested  # noqa: E402
from benchmarks.methods import METHODS  # noqa: E402
from benchmarks.methods import build as build_method  # noqa: E402
from benchmarks.methods import check as check_methods  # noqa: E402

SIDES = (16, 32)
FIELDS = {f"stacked{side}": digits.FIELDS["stacked"] for side in SIDES}
LATENT_DIM = 64
BATCH_SIZE = 64
DEFAULT_METHODS = ("plain", "recommended")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--image-size", type=int, default=16, choices=SIDES)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=3_000,
                        help="generator steps per run")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help="comma-separated subset of: " + ",".join(
                            METHODS))
    parser.add_argument("--scored", type=int, default=digits.NUM_SCORED,
                        help="generated samples scored per run")
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, 20 steps, 1,000 scored samples: a "
                             "smoke test")
    parser.add_argument("--output", default="runs/bench")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.steps, args.scored = 1, 20, 1_000
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    return args


def upscale(images, side):
    """(N, 8, 8, 3) in [-1, 1] -> (N, side, side, 3), bilinear."""
    import keras
    import numpy as np

    out = []
    for start in range(0, len(images), 4096):
        out.append(keras.ops.convert_to_numpy(keras.ops.image.resize(
            images[start:start + 4096], (side, side),
            interpolation="bilinear")))
    return np.concatenate(out).astype("float32")


def downscale(images):
    """(N, side, side, C) -> (N, 8, 8, C): the mean of each block."""
    import numpy as np

    images = np.asarray(images, "float32")
    n, side, _, channels = images.shape
    factor = side // 8
    return images.reshape(n, 8, factor, 8, factor, channels).mean((2, 4))


def run_one(variant, method, seed, steps, judge, real, scored,
            **compile_kwargs):
    """Trains one DCGAN of `method` on `variant`; returns its scores and
    its samples (full size)."""
    import keras
    import numpy as np

    import keras_aegan as kag

    side = int(variant.removeprefix("stacked"))
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    x = upscale(digits.training_data("stacked", seed), side)
    # Whole batches only: each epoch is then one pass over the data (with
    # a last, partial batch Keras would end every other epoch after it).
    x = x[:len(x) // BATCH_SIZE * BATCH_SIZE]
    network_kwargs, method_kwargs = build_method(method)
    compile_kwargs = {**method_kwargs, **compile_kwargs}
    nets = kag.models.dcgan((side, side, 3), LATENT_DIM, **network_kwargs)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator,
                            autoencoder=nets.autoencoder, encoder=nets.encoder,
                            seed=seed)
    gan.compile(**compile_kwargs)
    steps_per_epoch = min(len(x) // BATCH_SIZE, steps)
    epochs = max(1, round(steps / steps_per_epoch))
    start = time.time()
    history = gan.fit(x, batch_size=BATCH_SIZE, epochs=epochs,
                      steps_per_epoch=steps_per_epoch, verbose=0)
    seconds = time.time() - start
    # The generator's average when the method keeps one (its "ema").
    generated = keras.ops.convert_to_numpy(gan.generate(scored, seed=seed))
    result = digits.score("stacked", judge, downscale(generated), real)
    result["finite_losses"] = bool(all(
        np.isfinite(v).all() for v in history.history.values()))
    result["steps"] = int(keras.ops.convert_to_numpy(
        gan.generator_optimizer.iterations))
    result["seconds"] = seconds
    result["history"] = {k: [float(f"{v:.4g}") for v in values]
                         for k, values in history.history.items()}
    return result, generated


def merge(paths, output):
    return digits.merge(paths, output, FIELDS, "images")


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    merged = merge_requested(argv, merge)
    if merged is not None:
        return merged
    args = parse_args(argv)
    import json

    import keras

    import keras_aegan as kag

    methods = args.methods.split(",")
    check_methods(methods)
    os.makedirs(args.output, exist_ok=True)
    variant = f"stacked{args.image_size}"
    x, y = kag.datasets.digits()
    judge = digits.Judge(x, y)
    # The judge reads 8x8 digits; on the round trip through SIDE x SIDE it
    # must still read them.
    round_trip = downscale(upscale(x.repeat(3, -1),
                                   args.image_size))[..., 0]
    accuracy = float((judge.predict(round_trip)[0] == y).mean())
    print(f"judge: held-out accuracy {judge.accuracy:.4f}, on all digits "
          f"after the {args.image_size}x{args.image_size} round trip "
          f"{accuracy:.4f} (needs >= 0.97)")
    if min(judge.accuracy, accuracy) < 0.97:
        raise SystemExit("The judge is not accurate enough to score samples.")
    real = downscale(upscale(kag.datasets.stacked(
        x, y, args.scored, seed=12345)[0], args.image_size))
    results = {"protocol": {"backend": keras.backend.backend(),
                            "seeds": args.seeds, "steps": args.steps,
                            "batch_size": BATCH_SIZE,
                            "image_size": args.image_size,
                            "scored_samples": args.scored},
               "judge_accuracy": judge.accuracy,
               "round_trip_accuracy": accuracy}
    digits.run_variant(
        variant, methods, args, results, real, judge,
        functools.partial(run_one, judge=judge, real=real,
                          scored=args.scored),
        FIELDS, "images")
    digits.check_results(results, FIELDS, "images")
    with open(os.path.join(args.output, "images.json"), "w") as f:
        json.dump(results, f)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

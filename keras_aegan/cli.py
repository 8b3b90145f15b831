"""Command line: `keras-aegan` (also `python -m keras_aegan`)."""

import argparse
import json
import os
import sys


def _positive_int(text):
    """The argparse type of the counts: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"must be an int >= 1, got {text!r}")
    return value


def _positive_float(text):
    """The argparse type of the learning rates: a float > 0."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not value > 0:
        raise argparse.ArgumentTypeError(
            f"must be a number > 0, got {text!r}")
    return value


def build_parser():
    from keras_aegan.src.losses.adversarial import ALIASES
    from keras_aegan.src.train import PENALTIES

    parser = argparse.ArgumentParser(
        prog="keras-aegan",
        description="Autoencoder-stabilized GANs for Keras 3.",
    )
    parser.add_argument(
        "--backend", choices=["tensorflow", "jax", "torch"],
        help="Keras backend (sets KERAS_BACKEND).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="train a StabilizedGAN on the bundled 8x8 digits (offline)",
        description="Trains a StabilizedGAN on scikit-learn's bundled 8x8 "
        "digits and writes samples.png, losses.png, metrics.json and "
        "model.keras.",
    )
    demo.add_argument("--output", default="runs/demo", help="output folder")
    demo.add_argument("--epochs", type=_positive_int, default=150,
                      help="passes over the digits")
    demo.add_argument("--batch-size", type=_positive_int, default=64,
                      help="samples per step")
    demo.add_argument("--seed", type=int, default=0,
                      help="seed of the weights and the latents")
    train = commands.add_parser(
        "train", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="train a StabilizedGAN on a dataset and save it",
        description="Trains a StabilizedGAN and writes samples.png, "
        "losses.png, history.csv, metrics.json and model.keras into "
        "--output.",
    )
    train.add_argument(
        "--data", required=True,
        help="'digits', 'ring', 'grid', 'tfds:NAME' (tensorflow-datasets, "
        "images scaled to [-1, 1]), a folder of PNG/JPEG images (class "
        "sub-folders are the labels with --conditional) or a .npy file of "
        "samples (uint8 images are scaled to [-1, 1]; (n, h, w) arrays get "
        "a channel axis)")
    train.add_argument(
        "--labels", default=None,
        help="a .npy file of integer class labels, one per sample of "
        "--data file.npy: trains a class-conditional GAN")
    train.add_argument(
        "--conditional", action="store_true",
        help="train a class-conditional GAN on the data's labels (digits; "
        "tfds:NAME with a 'label' feature; ring/grid: the Gaussian's index)")
    train.add_argument("--consistency", default="recommended",
                       help="recommended, none, or a "
                       "comma-separated list of manifold, data, latent")
    train.add_argument("--adversarial-loss", default="non_saturating",
                       choices=sorted(ALIASES),
                       help="ebgan and began train an autoencoder "
                       "discriminator")
    train.add_argument(
        "--gradient-penalty", default="recommended",
        metavar="NAME[=WEIGHT]",
        help="recommended (the adversarial loss's own: R1 with weight 3 "
        "for the logit losses, wgan_gp=10 for wasserstein, none for ebgan "
        "and began), none, " + ", ".join(
            f"{name} (default weight {weight:g})"
            for name, (_, weight, _) in PENALTIES.items()))
    train.add_argument("--discriminator-steps", type=_positive_int,
                       default=1,
                       help="discriminator updates per generator update")
    train.add_argument("--learning-rate", type=_positive_float, default=None,
                       help="Adam's learning rate (beta_1 0.5) for both "
                       "networks; unset: compile()'s Adam(2e-4, beta_1=0.5)")
    train.add_argument("--generator-lr", type=_positive_float, default=None,
                       help="the generator's rate (over --learning-rate)")
    train.add_argument("--discriminator-lr", type=_positive_float,
                       default=None,
                       help="the discriminator's rate (over "
                       "--learning-rate)")
    train.add_argument("--checkpoint-every", type=_positive_int,
                       default=None, metavar="N",
                       help="save OUTPUT/checkpoints/epoch_NNNN.keras every "
                       "N epochs")
    train.add_argument("--resume", action="store_true",
                       help="back the run up in OUTPUT/backup after each "
                       "epoch and, when a backup is there, go on from it: "
                       "rerun the same command after an interruption")
    train.add_argument("--network", default="auto",
                       choices=["auto", "mlp", "dcgan"],
                       help="auto: dcgan for square images of side 32 or "
                       "64, mlp otherwise")
    train.add_argument("--epochs", type=_positive_int, default=20,
                       help="passes over the data")
    train.add_argument("--batch-size", type=_positive_int, default=64,
                       help="samples per step")
    train.add_argument("--latent-dim", type=_positive_int, default=32,
                       help="size of the generator's input")
    train.add_argument("--image-size", type=_positive_int, default=None,
                       help="resize the images (tfds or a folder) to this "
                       "side")
    ema = train.add_mutually_exclusive_group()
    ema.add_argument("--ema", type=float, default=None,
                     help="the decay of the generator's average, which "
                     "samples are drawn from (default: compile()'s, 0.999)")
    ema.add_argument("--no-ema", action="store_true",
                     help="keep no average: sample the generator's last "
                     "weights")
    train.add_argument("--seed", type=int, default=0,
                       help="seed of the weights, the data order and the "
                       "latents")
    train.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2],
                       help="Keras' fit verbosity (1: progress bar)")
    train.add_argument("--output", default="runs/train",
                       help="output folder")
    sample = commands.add_parser(
        "sample", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="generate samples from a saved model",
        description="Loads a StabilizedGAN .keras file and writes samples "
        "to a .png (image grid or 2-D scatter plot) or .npy file.",
    )
    sample.add_argument("model", help="path to a .keras file")
    sample.add_argument("--num", type=_positive_int, default=64,
                        help="number of samples")
    sample.add_argument("--seed", type=int, default=0,
                        help="seed of the latents (and of random labels)")
    sample.add_argument(
        "--labels", default=None,
        help="a conditional model's classes: one (--labels 3) or a "
        "comma-separated list drawn in turn (--labels 0,1,2); without it, "
        "one row per class in a PNG, random classes in a .npy")
    weights = sample.add_mutually_exclusive_group()
    weights.add_argument("--ema", action="store_true",
                         help="sample from the generator's average (an "
                         "error if the model keeps none; the default when "
                         "it keeps one)")
    weights.add_argument("--last-weights", action="store_true",
                         help="sample from the generator's last weights, "
                         "not its average")
    sample.add_argument("--output", default="samples.png",
                        help="a .png or .npy path")
    bench = commands.add_parser(
        "bench",
        help="run a benchmark script from benchmarks/ (a source checkout)",
        description="Runs benchmarks/NAME.py with the remaining arguments, "
        "e.g. `keras-aegan bench mixtures --quick`.",
    )
    bench.add_argument("name", choices=BENCHMARKS)
    bench.add_argument("args", nargs=argparse.REMAINDER,
                       help="arguments for the benchmark (see NAME --help)")
    return parser


BENCHMARKS = ("mixtures", "digits", "images", "stability_map", "step_cost",
              "conditional", "soak")


def _run_benchmark(name, args):
    import importlib
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    if not (root / "benchmarks" / f"{name}.py").exists():
        raise SystemExit(
            f"benchmarks/{name}.py not found next to the installed package "
            f"({root}); the benchmarks ship with the source checkout. Run "
            "`pip install -e .` from a clone of the repository."
        )
    sys.path.insert(0, str(root))
    module = importlib.import_module(f"benchmarks.{name}")
    module.main(list(args))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    import keras

    if args.backend and args.backend != keras.backend.backend():
        # Keras fixes its backend when it is first imported (importing
        # keras_aegan already did): start again with KERAS_BACKEND set.
        env = dict(os.environ, KERAS_BACKEND=args.backend)
        os.execve(sys.executable,
                  [sys.executable, "-m", "keras_aegan", *argv], env)
    from keras_aegan.src.train import CLIError

    try:
        return _run(args)
    except CLIError as error:
        # Printed here: a SystemExit with status 2 prints nothing.
        print(f"keras-aegan {args.command}: error: {error}", file=sys.stderr)
        raise


def _run(args):
    if args.command == "demo":
        from keras_aegan.src.demo import run_demo

        metrics = run_demo(args.output, epochs=args.epochs,
                           batch_size=args.batch_size, seed=args.seed)
        print(json.dumps(metrics, indent=2))
        print(f"Wrote {args.output}/samples.png, losses.png, metrics.png, "
              "metrics.json and model.keras")
    elif args.command == "train":
        from keras_aegan.src.train import run_train

        metrics = run_train(args)
        print(json.dumps(metrics, indent=2))
        print(f"Wrote {args.output}/samples.png, losses.png, metrics.png "
              "(when metrics apply), history.csv, "
              "metrics.json and model.keras")
    elif args.command == "sample":
        from keras_aegan.src.train import run_sample

        samples = run_sample(args)
        print(f"Wrote {len(samples)} samples to {args.output}")
    elif args.command == "bench":
        _run_benchmark(args.name, args.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

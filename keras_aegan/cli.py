"""Command line: `keras-aegan` (also `python -m keras_aegan`)."""

import argparse
import json
import os
import sys


def build_parser():
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
        "demo",
        help="train a StabilizedGAN on the bundled 8x8 digits (offline)",
        description="Trains a StabilizedGAN on scikit-learn's bundled 8x8 "
        "digits and writes samples.png, losses.png, metrics.json and "
        "model.keras.",
    )
    demo.add_argument("--output", default="runs/demo",
                      help="output folder (default: runs/demo)")
    demo.add_argument("--epochs", type=int, default=150)
    demo.add_argument("--batch-size", type=int, default=64)
    demo.add_argument("--seed", type=int, default=0)
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


BENCHMARKS = ("mixtures", "digits", "step_cost")


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
    if args.command == "demo":
        if args.epochs < 1:
            raise SystemExit("--epochs must be >= 1")
        from keras_aegan.src.demo import run_demo

        metrics = run_demo(args.output, epochs=args.epochs,
                           batch_size=args.batch_size, seed=args.seed)
        print(json.dumps(metrics, indent=2))
        print(f"Wrote {args.output}/samples.png, losses.png, metrics.json "
              "and model.keras")
    elif args.command == "bench":
        _run_benchmark(args.name, args.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

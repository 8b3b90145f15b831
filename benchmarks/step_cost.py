"""B3: step cost of the engine and of each stabilizer, side by side.

In one process, on the backend given, with the same networks and batch:

- engine overhead: `StabilizedGAN(consistency_loss=None).fit` vs a minimal
  hand-written keras-io-style GAN step for that backend
  (`benchmarks/baselines/<backend>_gan_step.py`);
- stabilizer cost: each consistency kind, and the default (`compile()`
  with no arguments: the terms, R1 and the generator's average), vs a
  plain step (`consistency_loss=None, gradient_penalty=None,
  generator_ema=None`);
- a plain PyTorch loop (`torch.nn` + `torch.optim`, same layer sizes), when
  torch is installed.

Sizes: the B1 MLPs (2 x 128 tanh, latent 256) at batch 512, and
`kag.models.dcgan((32, 32, 3), 128)` at batch 64; `--cases kerasio` times
the keras-io GAN recipe (`benchmarks/baselines/keras_io_gan.py`: its class,
its 28x28x1 conv networks, Adam 3e-4, batch 64, driven by `fit`) beside
`StabilizedGAN` on the same networks and optimizers, plain
(`consistency_loss=None, gradient_penalty=None, generator_ema=None`) and
as `compile()` sets it up (the terms, with the autoencoder and encoder it
builds, R1 and the generator's average);
`--cases tiny` adds a tiny
MLP GAN (2 x 16, latent 4) at batch 16, where the per-step host work of the
engine (not the arithmetic) sets the rate, e.g. on PyTorch, which runs the
step eagerly. Every contender is warmed
up (compilation), then timed in alternating blocks of the same number of
steps; a contender's rate is the median over blocks. Only ratios measured in
this one run are meaningful.

`recommended_last` is the default without the generator's average
(`generator_ema=None`): `recommended / recommended_last` is the average's
cost. The levers on the default's cost, each `compile()`'s default with one
change (`recommended_<lever>`): `lazy_r1`, R1 at every 4th discriminator
step (times 4: `R1Penalty(3.0, every=4)`); `quarter`, the consistency
terms and the autoencoder's update on a quarter of each batch
(`recommended_consistency_losses(batch_fraction=0.25)`); `fast`, both.

`--time-in-step` times the steps themselves: a callback adds up the time
from each batch's begin to its end, leaving out the wait between steps
(the contenders that do not run `fit` are left out). On a 2-core CPU with
TensorFlow, `fit`'s conv steps were measured ~0.32 s (plain), ~0.40 s and
~0.59 s long, but followed each other at whole multiples of ~0.51 s (the
next batch waited for), which hid their differences in wall time.

`--steps-per-execution N` adds `none_speN`: the plain engine compiled with
`steps_per_execution=N` (N steps per call into the compiled step; JAX and
TensorFlow), the fix for small models on fast devices.

Run:  python benchmarks/step_cost.py --backend jax [--quick]
          [--cases tiny,mlp,dcgan32,kerasio] [--steps-per-execution 8]
Writes OUTPUT/step_cost_BACKEND.json and prints the table.
"""

import argparse
import json
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))

KINDS = ("manifold", "data", "latent")
CASES = {
    # name: (steps per block, batch size)
    "mlp": (200, 512),
    "dcgan32": (10, 64),
    "tiny": (200, 16),
    "kerasio": (10, 64),
}
# (latent_dim, hidden_units) of the MLP cases.
MLPS = {"mlp": (256, (128, 128)), "tiny": (4, (16, 16))}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--rounds", type=int, default=5,
                        help="timed blocks per contender")
    parser.add_argument("--cases",
                        help="comma-separated subset of: " + ",".join(
                            CASES) + " (default: mlp,dcgan32; mlp with "
                        "--quick)")
    parser.add_argument("--quick", action="store_true",
                        help="1 round of 3-step blocks: a smoke test")
    parser.add_argument("--steps-per-execution", type=int, default=None,
                        help="also time plain StabilizedGAN with "
                        "compile(steps_per_execution=N) (JAX, TensorFlow; "
                        "every case but kerasio)")
    parser.add_argument("--time-in-step", action="store_true",
                        help="rates from the time inside each fit step "
                        "(batch begin to end); fit contenders only")
    parser.add_argument("--contenders",
                        help="comma-separated subset of the contenders to "
                        "time (default: all of the case's), e.g. "
                        "none,recommended,recommended_last")
    parser.add_argument("--output", default="runs/bench")
    # Accepted for the common benchmark interface; unused here.
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per timed block (default per case)")
    args = parser.parse_args(argv)
    if args.steps_per_execution is not None and args.steps_per_execution < 1:
        parser.error("--steps-per-execution takes a whole number >= 1, got "
                     f"{args.steps_per_execution}")
    if args.quick:
        args.rounds = 1
        args.steps = args.steps or 3
    if args.cases is None:
        args.cases = "mlp" if args.quick else "mlp,dcgan32"
    if args.contenders is not None:
        names = [name for name in args.contenders.split(",") if name]
        known = set(CONTENDERS) | set(KERAS_IO_CONTENDERS) | {"torch_nn"}
        unknown = sorted(set(names) - known)
        if unknown or not names:
            parser.error(f"--contenders got {args.contenders!r}; unknown: "
                         f"{unknown or 'no name given'}. Choose from "
                         f"{sorted(known)}, comma-separated.")
        args.contenders = tuple(names)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    return args


def build(case, seed=0):
    import keras

    import keras_aegan as kag

    keras.utils.set_random_seed(seed)
    if case in MLPS:
        latent_dim, hidden_units = MLPS[case]
        return kag.models.mlp_gan(2, latent_dim, hidden_units=hidden_units,
                                  activation="tanh"), latent_dim
    return kag.models.dcgan((32, 32, 3), 128, filters=64), 128


def data_for(case, num):
    import numpy as np

    import keras_aegan as kag

    if case in MLPS:
        return kag.datasets.grid(num, seed=0)[0]
    rng = np.random.default_rng(0)
    if case == "kerasio":  # its generator ends in a sigmoid
        return rng.uniform(0, 1, (num, 28, 28, 1)).astype("float32")
    return rng.uniform(-1, 1, (num, 32, 32, 3)).astype("float32")


def optimizers():
    import keras

    return (keras.optimizers.Adam(1e-3, beta_1=0.5),
            keras.optimizers.Adam(1e-4, beta_1=0.5))


# The callbacks every `fit` contender gets: a StepTimer with
# --time-in-step.
FIT_CALLBACKS = []


def step_timer():
    """A callback adding up the time from each batch's begin to its end
    (`total`, seconds); `fit` runs it in the loop, step by step."""
    import keras

    class StepTimer(keras.callbacks.Callback):
        total = 0.0

        def on_train_batch_begin(self, batch, logs=None):
            self.begin = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.total += time.perf_counter() - self.begin

    return StepTimer()


def engine_contender(case, consistency, **compile_kwargs):
    """`fit` over a block of steps: what a user runs (`compile_kwargs`, e.g.
    `jit_compile`, on top)."""
    import keras_aegan as kag

    nets, _ = build(case)
    # Only the networks a setup uses, as a user would write it: every extra
    # network is state that each step passes in and out.
    kinds = {"default": {"manifold", "data"}, None: set()}.get(
        consistency, {consistency})
    gan = kag.StabilizedGAN(
        nets.generator, nets.discriminator,
        autoencoder=nets.autoencoder if "manifold" in kinds else None,
        encoder=nets.encoder if kinds & {"data", "latent"} else None,
        seed=0)
    g_opt, d_opt = optimizers()
    kwargs = dict(generator_optimizer=g_opt, discriminator_optimizer=d_opt)
    if consistency != "default":
        # One term at a time, or a plain step: no penalty either.
        kwargs.update(consistency_loss=consistency, gradient_penalty=None,
                      generator_ema=None)
    gan.compile(**kwargs, **compile_kwargs)

    def run(x, batch_size):
        gan.fit(x, batch_size=batch_size, epochs=1, shuffle=False, verbose=0,
                callbacks=list(FIT_CALLBACKS))

    return run


# lever -> its method in benchmarks/methods.py (the quality benchmarks').
LEVERS = {"lazy_r1": "recommended_ns_r1_lazy",
          "quarter": "recommended_ns_r1_quarter",
          "fast": "recommended_ns_r1_fast"}


def lever_kwargs(lever):
    """`compile()` arguments of a lever on the default's cost: those of its
    method in benchmarks/methods.py, so that the cost and the quality
    benchmarks measure the same setup."""
    from benchmarks.methods import build

    if lever not in LEVERS:
        raise ValueError(f"Unknown lever {lever!r}; expected one of "
                         f"{list(LEVERS)}.")
    _, kwargs = build(LEVERS[lever])
    return kwargs


def keras_io_contenders():
    """The keras-io recipe, and `StabilizedGAN` on its networks and
    optimizers: plain, and as `compile()` sets it up."""
    import keras

    import keras_aegan as kag
    from benchmarks.baselines import keras_io_gan

    contenders = {"keras_io": keras_io_gan.contender(
        callbacks=FIT_CALLBACKS)}
    for name, kwargs in (("none", dict(consistency_loss=None,
                                       gradient_penalty=None,
                                       generator_ema=None)),
                         ("recommended", {}),
                         ("recommended_last", {"generator_ema": None}),
                         *((f"recommended_{lever}", lever_kwargs(lever))
                           for lever in LEVERS)):
        keras.utils.set_random_seed(0)
        discriminator, generator = keras_io_gan.networks()
        gan = kag.StabilizedGAN(generator, discriminator, seed=0)
        d_opt, g_opt = keras_io_gan.optimizers()
        gan.compile(generator_optimizer=g_opt, discriminator_optimizer=d_opt,
                    **kwargs)

        def run(x, batch_size, gan=gan):
            gan.fit(x, batch_size=batch_size, epochs=1, shuffle=False,
                    verbose=0, callbacks=list(FIT_CALLBACKS))

        contenders[name] = run
    return contenders


def contenders_use_xla():
    """Whether `compile()` picks XLA here by default."""
    from keras_aegan.src.backend import distributed

    return distributed.xla_by_default()


def handwritten_contender(case, backend):
    from benchmarks.baselines import handwritten_step

    nets, latent_dim = build(case)
    g_opt, d_opt = optimizers()
    stepper = handwritten_step(backend, nets.generator, nets.discriminator,
                               g_opt, d_opt, latent_dim)

    def run(x, batch_size):
        for start in range(0, len(x), batch_size):
            stepper.step(x[start:start + batch_size])
        stepper.sync()

    return run


def torch_nn_contender(case):
    from benchmarks.baselines import torch_nn_gan

    if case in MLPS:
        latent_dim, hidden_units = MLPS[case]
        generator, discriminator = torch_nn_gan.mlp_networks(2, latent_dim,
                                                             hidden_units)
    else:
        generator, discriminator = torch_nn_gan.dcgan_networks((32, 32, 3),
                                                               128, 64)
        latent_dim = 128
    loop = torch_nn_gan.TorchNNLoop(generator, discriminator, 1e-3, 1e-4,
                                    latent_dim, channels_first=True)

    def run(x, batch_size):
        for start in range(0, len(x), batch_size):
            loop.step(x[start:start + batch_size])
        loop.sync()

    return run


def measure(contenders, x, batch_size, rounds):
    """Alternating timed blocks; returns median steps/second per name."""
    steps = len(x) // batch_size
    for run in contenders.values():  # warm-up: compilation, first allocations
        run(x, batch_size)
    times = {name: [] for name in contenders}
    timer = FIT_CALLBACKS[0] if FIT_CALLBACKS else None
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            in_steps = timer.total if timer else 0.0
            run(x, batch_size)
            times[name].append(timer.total - in_steps if timer
                               else time.perf_counter() - start)
    rates = {}
    for name, values in times.items():
        values = sorted(values)
        rates[name] = steps / values[len(values) // 2]
    return rates


def ratios(rates):
    """Time ratios (> 1: slower) of the comparisons B3 asks for."""
    out = {}
    if "keras_io" in rates:
        for name in ("none", "recommended"):
            if name not in rates:
                continue
            out[f"{name} / keras_io (>1: slower than the recipe)"] = (
                rates["keras_io"] / rates[name])
    if "handwritten" in rates and "none" in rates:
        out["engine_overhead (none / handwritten)"] = (
            rates["handwritten"] / rates["none"])
    for name in [*KINDS, "recommended",
                 *(f"recommended_{lever}" for lever in LEVERS)]:
        if name in rates and "none" in rates:
            out[f"{name} / none"] = rates["none"] / rates[name]
    if "recommended_last" in rates and "recommended" in rates:
        out["recommended / recommended_last (the average's cost)"] = (
            rates["recommended_last"] / rates["recommended"])
    if "torch_nn" in rates and "none" in rates:
        out["torch_nn / none (>1: engine faster)"] = (
            rates["none"] / rates["torch_nn"])
    for name in rates:
        if name.startswith("none_spe"):
            out[f"none: {name[5:]} / 1 step per call (<1: faster)"] = (
                rates["none"] / rates[name])
    for name in ("none", "recommended"):
        if f"{name}_xla" in rates:
            out[f"{name}: XLA / default (>1: XLA slower)"] = (
                rates[name] / rates[f"{name}_xla"])
    return out


# Contenders that do not run `fit` (the keras-io recipe on JAX neither).
NOT_FIT = ("handwritten", "torch_nn", "keras_io")
LEVER_CONTENDERS = tuple(f"recommended_{lever}" for lever in LEVERS)
CONTENDERS = ("handwritten", "none", *KINDS, "recommended",
              "recommended_last", *LEVER_CONTENDERS)
KERAS_IO_CONTENDERS = ("keras_io", "none", "recommended", "recommended_last",
                       *LEVER_CONTENDERS)


def check_results(results):
    """Raises if the results miss a figure the JSON must have."""
    for case, entry in results["cases"].items():
        rates = entry["steps_per_second"]
        expected = KERAS_IO_CONTENDERS if case == "kerasio" else CONTENDERS
        if results.get("contenders"):
            expected = tuple(set(expected) & set(results["contenders"]))
        if results.get("time_in_step"):
            # Only fit runs are timed step by step.
            expected = tuple(set(expected) - set(NOT_FIT))
        missing = set(expected) - set(rates)
        if missing:
            raise RuntimeError(f"step_cost {case}: no rate for {missing}")
        if not all(rate > 0 for rate in rates.values()):
            raise RuntimeError(f"step_cost {case}: a rate is not positive")
        if (len(expected) > 1
                and len(entry["ratios"]) < len(set(expected)) - 1):
            raise RuntimeError(f"step_cost {case}: ratios missing")


def keep(contenders, names):
    """The contenders named (all of them when `names` is None)."""
    if names is None:
        return contenders
    missing = sorted(set(names) - set(contenders))
    if missing:
        raise SystemExit(f"--contenders names {missing}, which this case "
                         f"does not run; it runs {sorted(contenders)}.")
    return {name: run for name, run in contenders.items() if name in names}


def report(results, case, backend, batch_size, block, rounds, rates):
    """Stores a case's rates and ratios in `results` and prints them."""
    results["cases"][case] = {
        "batch_size": batch_size, "steps_per_block": block,
        "steps_per_second": rates, "ratios": ratios(rates),
    }
    print(f"\n{case} on {backend}, batch {batch_size}, {block} steps x "
          f"{rounds} blocks (median)")
    for name, rate in rates.items():
        print(f"  {name:14s} {rate:10.1f} steps/s")
    for name, value in results["cases"][case]["ratios"].items():
        print(f"  {name:42s} {value:6.3f}x")


def main(argv=None):
    args = parse_args(argv)
    import keras

    backend = keras.backend.backend()
    os.makedirs(args.output, exist_ok=True)
    try:
        import torch  # noqa: F401

        has_torch = True
    except ImportError:
        has_torch = False
    FIT_CALLBACKS[:] = [step_timer()] if args.time_in_step else []
    results = {"backend": backend, "rounds": args.rounds,
               "time_in_step": args.time_in_step,
               "contenders": args.contenders, "cases": {}}
    for case in args.cases.split(","):
        if case not in CASES:
            raise SystemExit(f"Unknown case {case!r}; choose from "
                             f"{list(CASES)}.")
        block, batch_size = CASES[case]
        block = args.steps or block
        x = data_for(case, block * batch_size)
        keras.utils.clear_session()
        if case == "kerasio":
            contenders = keras_io_contenders()
            if args.time_in_step and backend == "jax":
                del contenders["keras_io"]  # a jitted step, not fit
            rates = measure(keep(contenders, args.contenders), x, batch_size,
                            args.rounds)
            report(results, case, backend, batch_size, block, args.rounds,
                   rates)
            continue
        contenders = {"none": engine_contender(case, None)}
        if not args.time_in_step:
            contenders["handwritten"] = handwritten_contender(case, backend)
        for kind in KINDS:
            contenders[kind] = engine_contender(case, kind)
        contenders["recommended"] = engine_contender(case, "default")
        contenders["recommended_last"] = engine_contender(
            case, "default", generator_ema=None)
        for lever in LEVERS:
            contenders[f"recommended_{lever}"] = engine_contender(
                case, "default", **lever_kwargs(lever))
        if backend == "tensorflow" and not contenders_use_xla():
            # XLA is what jit_compile="auto" picks with a GPU; on a CPU
            # the default is a tf.function graph: both, side by side.
            for name, consistency in (("none", None),
                                      ("recommended", "default")):
                contenders[f"{name}_xla"] = engine_contender(
                    case, consistency, jit_compile=True)
        spe = args.steps_per_execution
        if spe and backend != "torch":  # Keras' torch trainer refuses it
            contenders[f"none_spe{spe}"] = engine_contender(
                case, None, steps_per_execution=spe)
        if has_torch and not args.time_in_step:
            contenders["torch_nn"] = torch_nn_contender(case)
        rates = measure(keep(contenders, args.contenders), x, batch_size,
                        args.rounds)
        report(results, case, backend, batch_size, block, args.rounds, rates)
    check_results(results)
    path = os.path.join(args.output, f"step_cost_{backend}.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nwrote {path}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

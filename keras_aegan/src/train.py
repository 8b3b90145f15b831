"""`keras-aegan train` and `keras-aegan sample`: the command-line workflows.

`train` loads a dataset (`digits`, `ring`, `grid`, `tfds:NAME` or a `.npy`
file), builds networks for its shape, trains a StabilizedGAN with Keras'
progress bar, and writes samples, loss and metric curves, `metrics.json` and
`model.keras`. `sample` loads a `.keras` file and writes samples as a PNG
grid (or scatter plot for 2-D data) or a `.npy` array.
"""

import json
import os
import time

import keras
import numpy as np

from keras_aegan.src import plotting
from keras_aegan.src.run_metrics import final_metrics
from keras_aegan.src.run_metrics import history_summary
from keras_aegan.src.run_metrics import metrics_callback
from keras_aegan.src.saving import load as saving

CONSISTENCY_CHOICES = ("recommended", "none", "manifold", "data", "latent")


def load_data(spec, image_size=None, seed=0):
    """`(data, info)`: data is a NumPy array or a batched `tf.data.Dataset`
    of samples (images in [-1, 1]); `info` describes it for the metrics."""
    from keras_aegan.src.datasets import toy
    from keras_aegan.src.datasets.digits import digits

    if spec == "digits":
        x, y = digits()
        return x, {"kind": "digits", "labels": y}
    if spec in ("ring", "grid"):
        sample = toy.ring if spec == "ring" else toy.grid
        x, centers = sample(20_000, seed=seed)
        std = 0.01 if spec == "ring" else 0.05
        return x, {"kind": "mixture", "centers": centers, "std": std}
    if spec.startswith("tfds:"):
        from keras_aegan.src.datasets.tfds import load_tfds

        dataset = load_tfds(spec[len("tfds:"):], image_size=image_size)
        return dataset, {"kind": "tfds"}
    if spec.endswith(".npy"):
        if not os.path.exists(spec):
            raise SystemExit(f"--data {spec}: no such file.")
        x = np.load(spec)
        if x.ndim < 2 or len(x) < 2:
            raise SystemExit(
                f"--data {spec}: expected an array of samples (n, ...) with "
                f"n >= 2, got shape {x.shape}.")
        if x.dtype == np.uint8:
            # 8-bit images: to [-1, 1] for the generator's tanh output.
            x = x.astype("float32") / 127.5 - 1.0
        x = x.astype("float32")
        if x.ndim == 3:
            x = x[..., None]  # (n, h, w) grayscale images
        return x, {"kind": "array"}
    raise SystemExit(
        f"--data {spec!r}: expected 'digits', 'ring', 'grid', 'tfds:NAME' or "
        "a path to a .npy file.")


def data_shape_of(data):
    if isinstance(data, np.ndarray):
        return data.shape[1:]
    return tuple(data.element_spec.shape[1:])


def build_networks(data_shape, latent_dim, network, data_range):
    from keras_aegan.src.models.builders import dcgan
    from keras_aegan.src.models.builders import mlp_gan

    images = len(data_shape) == 3
    square = images and data_shape[0] == data_shape[1] \
        and data_shape[0] in (8, 16, 32, 64)
    if network == "auto":
        network = "dcgan" if square and data_shape[0] >= 32 else "mlp"
    if network == "dcgan":
        if not square:
            raise SystemExit(
                f"--network dcgan needs square images of side 8, 16, 32 or "
                f"64; the data has shape {tuple(data_shape)}. Use --network "
                "mlp or resize (tfds: --image-size).")
        return dcgan(tuple(data_shape), latent_dim, filters=32)
    within = data_range[0] >= -1.0 and data_range[1] <= 1.0
    if images:
        return mlp_gan(tuple(data_shape), latent_dim, hidden_units=(256, 256),
                       activation="relu",
                       output_activation="tanh" if within else None)
    return mlp_gan(tuple(data_shape), latent_dim)


def consistency_value(names):
    names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONSISTENCY_CHOICES]
    if unknown or not names:
        raise SystemExit(f"--consistency {','.join(names)!r}: choose from "
                         f"{', '.join(CONSISTENCY_CHOICES)} (comma-separated "
                         "for several kinds).")
    if names == ["recommended"]:
        return "recommended"
    if names == ["none"]:
        return None
    if "recommended" in names or "none" in names:
        raise SystemExit("--consistency: 'recommended' and 'none' stand "
                         "alone; list kinds otherwise, e.g. manifold,data.")
    return names


def save_samples(samples, path, info=None, title=None):
    if samples.ndim == 2 and samples.shape[1] == 2:
        centers = None if info is None else info.get("centers")
        plotting.save_scatter(samples, path, centers=centers, title=title)
    elif samples.ndim == 4:
        plotting.save_sample_grid(samples[:64], path, title=title)
    else:
        raise SystemExit(
            f"Cannot draw samples of shape {samples.shape[1:]} as a PNG "
            "(images (h, w, c) or 2-D points only); write a .npy instead.")


def run_train(args):
    from keras_aegan.src.callbacks.generator_ema import GeneratorEMA
    from keras_aegan.src.models.stabilized_gan import StabilizedGAN

    keras.utils.set_random_seed(args.seed)
    data, info = load_data(args.data, args.image_size, args.seed)
    shape = data_shape_of(data)
    data_range = ((float(data.min()), float(data.max()))
                  if isinstance(data, np.ndarray) else (-1.0, 1.0))
    nets = build_networks(shape, args.latent_dim, args.network, data_range)
    gan = StabilizedGAN(nets.generator, nets.discriminator,
                        autoencoder=nets.autoencoder, encoder=nets.encoder,
                        seed=args.seed)
    gan.compile(adversarial_loss=args.adversarial_loss,
                consistency_loss=consistency_value(args.consistency))
    os.makedirs(args.output, exist_ok=True)
    callbacks = [keras.callbacks.CSVLogger(
        os.path.join(args.output, "history.csv"))]
    metrics_cb = metrics_callback(data, info, args.seed)
    if metrics_cb is not None:
        # Before CSVLogger, which then records the metrics too.
        callbacks.insert(0, metrics_cb)
    if args.ema:
        callbacks.insert(0, GeneratorEMA(args.ema))
    start = time.time()
    fit_kwargs = ({"batch_size": args.batch_size}
                  if isinstance(data, np.ndarray) else {})
    history = gan.fit(data, epochs=args.epochs, callbacks=callbacks,
                      verbose=args.verbose, **fit_kwargs)
    seconds = time.time() - start
    samples = gan.generate(64 if len(shape) == 3 else 2_500, seed=args.seed,
                           use_ema=bool(args.ema))
    save_samples(samples, os.path.join(args.output, "samples.png"), info,
                 title=f"{args.data}, {args.epochs} epochs")
    plotting.save_history_curves(history.history, args.output,
                                 title=f"StabilizedGAN on {args.data}")
    metrics = {
        "backend": keras.backend.backend(),
        "data": args.data,
        "data_shape": list(shape),
        "epochs": args.epochs,
        "train_seconds": round(seconds, 1),
        "adversarial_loss": args.adversarial_loss,
        "consistency": args.consistency,
        **history_summary(history.history),
        **final_metrics(gan, info, args.seed),
    }
    metrics.pop("class_histogram", None)
    with open(os.path.join(args.output, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    gan.save(os.path.join(args.output, "model.keras"))
    return metrics


def run_sample(args):
    from keras_aegan.src.models.stabilized_gan import StabilizedGAN

    if not os.path.exists(args.model):
        raise SystemExit(f"{args.model}: no such file.")
    gan = saving.load_model(args.model)
    if not isinstance(gan, StabilizedGAN):
        raise SystemExit(f"{args.model} holds a {type(gan).__name__}, not a "
                         "keras_aegan StabilizedGAN.")
    samples = gan.generate(args.num, seed=args.seed, use_ema=args.ema)
    directory = os.path.dirname(args.output)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if args.output.endswith(".npy"):
        np.save(args.output, samples)
    elif args.output.endswith(".png"):
        save_samples(samples, args.output)
    else:
        raise SystemExit(f"--output {args.output}: use a .png or .npy path.")
    return samples

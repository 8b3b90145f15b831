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
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# `--gradient-penalty NAME[=WEIGHT]`: the kag.regularizers class, its
# default weight and its other arguments.
PENALTIES = {
    "r1": ("R1Penalty", 3.0, {}),
    "r2": ("R2Penalty", 3.0, {}),
    "r1_r2": ("ZeroCenteredGradientPenalty", 3.0, {}),
    "wgan_gp": ("GradientPenalty", 10.0, {}),
}


class CLIError(SystemExit):
    """A bad argument or input file: `keras-aegan` prints the message and
    exits with status 2 (argparse's status for usage errors), before
    writing anything."""

    def __init__(self, message):
        super().__init__(message)
        self.code = 2


def _nearest_center(x, centers):
    return np.argmin(((x[:, None] - centers[None]) ** 2).sum(-1),
                     axis=1).astype("int32")


def load_data(spec, image_size=None, seed=0, conditional=False,
              labels_path=None, batch_size=64):
    """`(data, labels, info)`: data is a NumPy array or a batched
    `tf.data.Dataset` of samples (images in [-1, 1]; `(images, labels)`
    pairs for a conditional run), `labels` the class of each array sample
    for a conditional run (else None), and `info` describes the data for
    the metrics (`num_classes` for a conditional run)."""
    from keras_aegan.src.datasets import toy
    from keras_aegan.src.datasets.digits import digits

    if os.path.isdir(spec):
        return load_image_folder(spec, image_size, seed, conditional,
                                 labels_path, batch_size)
    if labels_path is not None and not spec.endswith(".npy"):
        raise CLIError(
            f"--labels {labels_path}: labels from a file go with --data "
            "file.npy; the built-in data ('digits', 'ring', 'grid', "
            "'tfds:NAME') brings its own labels with --conditional.")
    conditional = conditional or labels_path is not None
    labels = None
    if spec == "digits":
        x, y = digits()
        info = {"kind": "digits", "labels": y}
        labels = y.astype("int32") if conditional else None
    elif spec in ("ring", "grid"):
        sample = toy.ring if spec == "ring" else toy.grid
        x, centers = sample(20_000, seed=seed)
        std = 0.01 if spec == "ring" else 0.05
        info = {"kind": "mixture", "centers": centers, "std": std}
        # A Gaussian's index is its samples' class.
        labels = _nearest_center(x, centers) if conditional else None
    elif spec.startswith("tfds:"):
        from keras_aegan.src.datasets.tfds import load_tfds

        name = spec[len("tfds:"):]
        x = load_tfds(name, image_size=image_size, batch_size=batch_size,
                      label_key="label" if conditional else None)
        info = {"kind": "tfds"}
        if conditional:
            import tensorflow_datasets as tfds

            info["num_classes"] = int(
                tfds.builder(name).info.features["label"].num_classes)
        return x, None, info
    elif spec.endswith(".npy"):
        x = _load_npy("--data", spec)
        if x.ndim < 2 or len(x) < 2:
            raise CLIError(
                f"--data {spec}: expected an array of samples (n, ...) with "
                f"n >= 2, got shape {x.shape}.")
        if x.dtype == np.uint8:
            # 8-bit images: to [-1, 1] for the generator's tanh output.
            x = x.astype("float32") / 127.5 - 1.0
        x = x.astype("float32")
        if x.ndim == 3:
            x = x[..., None]  # (n, h, w) grayscale images
        info = {"kind": "array"}
        if conditional:
            if labels_path is None:
                raise CLIError(
                    "--conditional with --data file.npy needs the labels: "
                    "--labels labels.npy (one integer class per sample).")
            labels = _check_label_file(labels_path, len(x))
    else:
        raise CLIError(
            f"--data {spec!r}: expected 'digits', 'ring', 'grid', "
            "'tfds:NAME', a folder of images or a path to a .npy file"
            + (" (no such file or folder)." if not os.path.exists(spec)
               else "."))
    if labels is not None:
        info["num_classes"] = int(labels.max()) + 1
        info["labels"] = labels
    return x, labels, info


def scan_image_folder(folder, image_size):
    """The image files under `folder` (recursively) and their common
    `(height, width)` and colour mode, after checking that every file is a
    readable image and (without `image_size`) that they share one size."""
    try:
        from PIL import Image
    except ImportError:
        raise CLIError(
            "--data FOLDER reads the images with Pillow, which is not "
            "installed: pip install pillow (or keras-aegan[data]).") from None

    files = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(folder, followlinks=True)
        for name in names if name.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise CLIError(
            f"--data {folder}: the folder holds no images (looked for "
            f"{', '.join(IMAGE_EXTENSIONS)} files, in sub-folders too).")
    sizes, grayscale = {}, True
    for path in files:
        try:
            with Image.open(path) as image:
                size, mode = image.size, image.mode
                image.verify()
        except Exception as e:  # PIL raises several kinds
            raise CLIError(
                f"--data {folder}: {path} is not a readable image ({e}). "
                "Remove or repair it.") from None
        sizes.setdefault(size, path)
        grayscale = grayscale and mode in ("1", "L", "I", "I;16")
    if len(sizes) > 1 and image_size is None:
        examples = ", ".join(f"{os.path.relpath(p, folder)} is {w}x{h}"
                             for (w, h), p in list(sizes.items())[:3])
        raise CLIError(
            f"--data {folder}: the images differ in size ({examples}); "
            "pass --image-size N to resize them all to N x N.")
    (width, height), = list(sizes)[:1]
    shape = ((image_size, image_size) if image_size is not None
             else (height, width))
    return files, shape, "grayscale" if grayscale else "rgb"


def load_image_folder(folder, image_size, seed, conditional, labels_path,
                      batch_size):
    """A folder of images as a `tf.data.Dataset` of float batches in
    [-1, 1] (`keras.utils.image_dataset_from_directory`); with
    `conditional`, `(images, labels)` batches, one class per sub-folder."""
    if labels_path is not None:
        raise CLIError(
            f"--labels {labels_path}: a folder of images takes its labels "
            "from its class sub-folders; pass --conditional instead.")
    _, shape, color_mode = scan_image_folder(folder, image_size)
    info = {"kind": "folder"}
    labels = None
    if conditional:
        classes = sorted(d for d in os.listdir(folder)
                         if os.path.isdir(os.path.join(folder, d)))
        if len(classes) < 2:
            raise CLIError(
                f"--data {folder} --conditional: the classes are the "
                f"folder's sub-folders (one per class), and it has "
                f"{len(classes)}; a conditional GAN needs at least 2.")
        labels = "inferred"
        info["num_classes"] = len(classes)
        info["class_names"] = classes
    try:
        import tensorflow as tf
    except ImportError:
        raise CLIError(
            "--data FOLDER reads the images with "
            "keras.utils.image_dataset_from_directory, which needs "
            "TensorFlow (any Keras backend): pip install tensorflow-cpu."
        ) from None
    dataset = keras.utils.image_dataset_from_directory(
        folder, labels=labels, label_mode="int", color_mode=color_mode,
        batch_size=batch_size, image_size=shape, shuffle=True, seed=seed,
        verbose=False)

    def scale(images):
        return tf.cast(images, tf.float32) / 127.5 - 1.0

    if conditional:
        dataset = dataset.map(lambda x, y: (scale(x), tf.cast(y, tf.int32)))
    else:
        dataset = dataset.map(scale)
    return dataset.prefetch(tf.data.AUTOTUNE), None, info


def _load_npy(flag, path):
    if not os.path.exists(path):
        raise CLIError(f"{flag} {path}: no such file.")
    return np.load(path)


def _check_label_file(path, num_samples):
    """The integer labels of `path`, one per sample, as int32 `(n,)`."""
    labels = _load_npy("--labels", path)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if (labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer)
            or len(labels) != num_samples or labels.min() < 0):
        raise CLIError(
            f"--labels {path}: expected {num_samples} integer class labels "
            "(one per sample of --data, shape (n,), values 0, 1, ...); got "
            f"{labels.dtype} values of shape {labels.shape}"
            + (f" from {labels.min()} to {labels.max()}"
               if labels.size and np.issubdtype(labels.dtype, np.number)
               else "") + ".")
    if labels.max() < 1:
        raise CLIError(
            f"--labels {path}: every label is {labels.max()}; a conditional "
            "GAN needs at least 2 classes.")
    return labels.astype("int32")


def data_shape_of(data):
    if isinstance(data, np.ndarray):
        return data.shape[1:]
    spec = data.element_spec
    if isinstance(spec, tuple):  # (images, labels) batches
        spec = spec[0]
    return tuple(spec.shape[1:])


def build_networks(data_shape, latent_dim, network, data_range,
                   num_classes=None, autoencoder_discriminator=False):
    from keras_aegan.src.models.builders import dcgan
    from keras_aegan.src.models.builders import mlp_gan

    images = len(data_shape) == 3
    square = images and data_shape[0] == data_shape[1] \
        and data_shape[0] in (8, 16, 32, 64)
    if network == "auto":
        network = "dcgan" if square and data_shape[0] >= 32 else "mlp"
    if network == "dcgan":
        if not square:
            raise CLIError(
                f"--network dcgan needs square images of side 8, 16, 32 or "
                f"64; the data has shape {tuple(data_shape)}. Use --network "
                "mlp or resize (tfds: --image-size).")
        return dcgan(tuple(data_shape), latent_dim, filters=32,
                     num_classes=num_classes,
                     autoencoder_discriminator=autoencoder_discriminator)
    within = data_range[0] >= -1.0 and data_range[1] <= 1.0
    if images:
        return mlp_gan(tuple(data_shape), latent_dim, hidden_units=(256, 256),
                       activation="relu",
                       output_activation="tanh" if within else None,
                       num_classes=num_classes,
                       autoencoder_discriminator=autoencoder_discriminator)
    return mlp_gan(tuple(data_shape), latent_dim, num_classes=num_classes,
                   autoencoder_discriminator=autoencoder_discriminator)


def consistency_value(names):
    names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONSISTENCY_CHOICES]
    if unknown or not names:
        raise CLIError(f"--consistency {','.join(names)!r}: choose from "
                         f"{', '.join(CONSISTENCY_CHOICES)} (comma-separated "
                         "for several kinds).")
    if names == ["recommended"]:
        return "recommended"
    if names == ["none"]:
        return None
    if "recommended" in names or "none" in names:
        raise CLIError("--consistency: 'recommended' and 'none' stand "
                         "alone; list kinds otherwise, e.g. manifold,data.")
    return names


def save_samples(samples, path, info=None, title=None, labels=None):
    """Samples as a PNG: 2-D points as a scatter plot (coloured by class
    with `labels`), images as a grid (one row per class with `labels`
    sorted by class, as `class_rows` draws them)."""
    if samples.ndim == 2 and samples.shape[1] == 2:
        centers = None if info is None else info.get("centers")
        plotting.save_scatter(samples, path, centers=centers, title=title,
                              labels=labels)
    elif samples.ndim == 4:
        if labels is None:
            plotting.save_sample_grid(samples[:64], path, title=title)
        else:
            plotting.save_sample_grid(samples, path, title=title,
                                      row_labels=np.unique(labels))
    else:
        raise CLIError(
            f"Cannot draw samples of shape {samples.shape[1:]} as a PNG "
            "(images (h, w, c) or 2-D points only); write a .npy instead.")


def class_rows(num_classes, num_samples):
    """Labels for a figure: `num_samples // num_classes` (at least 1) of
    each class, in class order."""
    return np.repeat(np.arange(num_classes, dtype="int32"),
                     max(1, num_samples // num_classes))


def ema_value(args):
    """compile()'s `generator_ema` from `--ema DECAY` / `--no-ema`."""
    if args.no_ema:
        return None
    if args.ema is None:
        return "recommended"
    if not 0 <= args.ema < 1:
        raise CLIError(f"--ema {args.ema}: the decay must be in [0, 1), "
                       "e.g. 0.999; --no-ema keeps no average.")
    return args.ema


def penalty_value(text):
    """`--gradient-penalty NAME[=WEIGHT]` as a kag.regularizers penalty."""
    from keras_aegan.src.regularizers import gradient_penalties

    if text is None or text == "none":
        return None
    if text == "recommended":
        return text
    name, _, weight = text.partition("=")
    if name not in PENALTIES:
        raise CLIError(
            f"--gradient-penalty {text}: choose from recommended, none, "
            f"{', '.join(PENALTIES)}, optionally with a weight "
            "(e.g. r1=3 or wgan_gp=10).")
    class_name, default, kwargs = PENALTIES[name]
    try:
        weight = float(weight) if weight else default
    except ValueError:
        weight = -1.0
    if not weight > 0:
        raise CLIError(f"--gradient-penalty {text}: the weight must be a "
                       "number > 0, e.g. r1=3.")
    return getattr(gradient_penalties, class_name)(weight, **kwargs)


def optimizer_values(args):
    """Adam (beta_1 0.5, like compile()'s defaults) for each network whose
    learning rate was given; None leaves compile()'s default."""
    rates = {"generator_optimizer": args.generator_lr or args.learning_rate,
             "discriminator_optimizer": (args.discriminator_lr
                                         or args.learning_rate)}
    return {name: keras.optimizers.Adam(rate, beta_1=0.5)
            for name, rate in rates.items() if rate is not None}


class _CheckpointEvery(keras.callbacks.Callback):
    """Saves `directory/epoch_NNNN.keras` every `every` epochs."""

    def __init__(self, directory, every):
        super().__init__()
        self.directory, self.every = directory, every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            os.makedirs(self.directory, exist_ok=True)
            self.model.save(os.path.join(self.directory,
                                         f"epoch_{epoch + 1:04d}.keras"))


def run_train(args):
    from keras_aegan.src.models.stabilized_gan import StabilizedGAN

    keras.utils.set_random_seed(args.seed)
    # Every argument is checked before any file is written.
    consistency = consistency_value(args.consistency)
    penalty = penalty_value(args.gradient_penalty)
    generator_ema = ema_value(args)
    energy = args.adversarial_loss in ("ebgan", "began")
    data, labels, info = load_data(args.data, args.image_size, args.seed,
                                   args.conditional, args.labels,
                                   args.batch_size)
    num_classes = info.get("num_classes")
    if energy and num_classes is not None:
        raise CLIError(
            f"--adversarial-loss {args.adversarial_loss} trains an "
            "autoencoder discriminator, which takes no class labels: drop "
            "--conditional/--labels or choose a logit loss.")
    shape = data_shape_of(data)
    data_range = ((float(data.min()), float(data.max()))
                  if isinstance(data, np.ndarray) else (-1.0, 1.0))
    nets = build_networks(shape, args.latent_dim, args.network, data_range,
                          num_classes, autoencoder_discriminator=energy)
    gan = StabilizedGAN(nets.generator, nets.discriminator,
                        autoencoder=nets.autoencoder, encoder=nets.encoder,
                        seed=args.seed)
    gan.compile(adversarial_loss=args.adversarial_loss,
                consistency_loss=consistency, gradient_penalty=penalty,
                discriminator_steps=args.discriminator_steps,
                generator_ema=generator_ema,
                **optimizer_values(args))
    os.makedirs(args.output, exist_ok=True)
    callbacks = [keras.callbacks.CSVLogger(
        os.path.join(args.output, "history.csv"), append=args.resume)]
    metrics_cb = metrics_callback(data, info, args.seed, labels)
    if metrics_cb is not None:
        # Before CSVLogger, which then records the metrics too.
        callbacks.insert(0, metrics_cb)
    if args.resume:
        # First: the weights are back before any other callback starts.
        callbacks.insert(0, keras.callbacks.BackupAndRestore(
            os.path.join(args.output, "backup")))
    if args.checkpoint_every:
        callbacks.append(_CheckpointEvery(
            os.path.join(args.output, "checkpoints"), args.checkpoint_every))
    start = time.time()
    # A dataset comes batched and shuffled.
    fit_kwargs = ({"batch_size": args.batch_size}
                  if isinstance(data, np.ndarray) else {"shuffle": False})
    history = gan.fit(data, labels, epochs=args.epochs, callbacks=callbacks,
                      verbose=args.verbose, **fit_kwargs)
    seconds = time.time() - start
    num_samples = 64 if len(shape) == 3 else 2_500
    figure_labels = (None if num_classes is None
                     else class_rows(num_classes, num_samples))
    samples = gan.generate(num_samples if figure_labels is None
                           else len(figure_labels), seed=args.seed,
                           labels=figure_labels)
    save_samples(samples, os.path.join(args.output, "samples.png"), info,
                 title=f"{args.data}, {args.epochs} epochs",
                 labels=figure_labels)
    plotting.save_history_curves(history.history, args.output,
                                 title=f"StabilizedGAN on {args.data}")
    metrics = {
        "backend": keras.backend.backend(),
        "data": args.data,
        "data_shape": list(shape),
        "epochs": args.epochs,
        "train_seconds": round(seconds, 1),
        "adversarial_loss": args.adversarial_loss,
        "gradient_penalty": args.gradient_penalty,
        "discriminator_steps": args.discriminator_steps,
        "consistency": args.consistency,
        "num_classes": num_classes,
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
        raise CLIError(f"{args.model}: no such file.")
    gan = saving.load_model(args.model)
    if not isinstance(gan, StabilizedGAN):
        raise CLIError(f"{args.model} holds a {type(gan).__name__}, not a "
                       "keras_aegan StabilizedGAN.")
    labels = sample_labels(args.labels, gan.num_classes, args.num,
                           args.output.endswith(".png"))
    if args.ema and gan.ema_generator is None:
        raise CLIError(f"--ema: {args.model} keeps no average of the "
                       "generator (it was trained with --no-ema); drop "
                       "--ema to sample its weights.")
    use_ema = True if args.ema else (False if args.last_weights else None)
    samples = gan.generate(args.num if labels is None else len(labels),
                           seed=args.seed, use_ema=use_ema, labels=labels)
    directory = os.path.dirname(args.output)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if args.output.endswith(".npy"):
        np.save(args.output, samples)
    elif args.output.endswith(".png"):
        save_samples(samples, args.output, labels=(
            labels if args.labels is None else None))
    else:
        raise CLIError(f"--output {args.output}: use a .png or .npy path.")
    return samples


def sample_labels(text, num_classes, num_samples, figure):
    """The labels of `keras-aegan sample`: `--labels 3` (every sample of
    class 3), `--labels 0,4,7` (those classes in turn), or, for a
    conditional model without `--labels`, random classes (a .npy file) or
    one row per class (a PNG)."""
    if num_classes is None:
        if text is not None:
            raise CLIError(
                f"--labels {text}: this model is not conditional (it was "
                "trained without class labels); leave out --labels.")
        return None
    if text is None:
        return class_rows(num_classes, num_samples) if figure else None
    try:
        classes = [int(part) for part in text.split(",")]
    except ValueError:
        classes = []
    if not classes or min(classes) < 0 or max(classes) >= num_classes:
        raise CLIError(
            f"--labels {text}: expected a class in [0, {num_classes}) or a "
            "comma-separated list of them, e.g. --labels 3 or --labels "
            "0,1,2.")
    return np.resize(np.asarray(classes, "int32"), num_samples)

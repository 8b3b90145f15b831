"""`kag.saving.load_model`: keras.saving.load_model with a diagnosis of
files it cannot read."""

import json
import os
import zipfile

import keras


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a `.keras` file, saying exactly what is wrong with a bad one.

    Same arguments and result as `keras.saving.load_model` (which this
    calls). Before loading it checks the file: a missing path raises
    `FileNotFoundError`; a file that is not a zip archive, a truncated or
    corrupt archive, or one without the `config.json` Keras writes raises a
    `ValueError` naming the problem (Keras itself reports all of these as
    "File not found"). A class in the file that this process does not know
    raises a `TypeError` naming the class and the module to import.

    Example:

    >>> import keras_aegan as kag
    >>> nets = kag.models.mlp_gan(2, latent_dim=4, hidden_units=(8,))
    >>> gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    >>> gan.save("/tmp/doctest_gan.keras")
    >>> type(kag.saving.load_model("/tmp/doctest_gan.keras")).__name__
    'StabilizedGAN'
    """
    path = os.fspath(filepath)
    if not path.endswith(".keras"):
        raise ValueError(
            f"load_model(filepath={path!r}): expected a `.keras` file (made "
            "by model.save('name.keras')). For `.weights.h5` files build the "
            "model and call model.load_weights(path).")
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"load_model(filepath={path!r}): no such file. Check the path "
            "(relative paths start at the current directory, "
            f"{os.getcwd()!r}).")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"load_model(filepath={path!r}): the file is not a `.keras` "
            f"archive ({os.path.getsize(path)} bytes, not a zip file): it is "
            "corrupt, truncated, or another format. Load an earlier "
            "checkpoint, or save the model again.")
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
            names = archive.namelist()
            config = (json.loads(archive.read("config.json"))
                      if "config.json" in names else None)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ValueError(
            f"load_model(filepath={path!r}): the archive cannot be read "
            f"({error}); the file is corrupt or truncated. Load an earlier "
            "checkpoint, or save the model again.") from None
    if damaged is not None:
        raise ValueError(
            f"load_model(filepath={path!r}): the archive member {damaged!r} "
            "is corrupt (checksum mismatch). Load an earlier checkpoint, or "
            "save the model again.")
    if config is None:
        raise ValueError(
            f"load_model(filepath={path!r}): the archive has no config.json "
            f"(it holds {names[:5]}), so it was not written by "
            "model.save(). Save the model with model.save('name.keras').")
    try:
        return keras.saving.load_model(path, custom_objects=custom_objects,
                                       compile=compile, safe_mode=safe_mode)
    except TypeError as error:
        if "Could not locate class" not in str(error):
            raise
        name = config.get("registered_name") or config.get("class_name")
        module = config.get("module")
        raise TypeError(
            f"load_model(filepath={path!r}): the file holds a {name!r} "
            f"(module {module!r}) that this process does not know. Import "
            "the module that defines it (classes must be decorated with "
            "@keras.saving.register_keras_serializable()), or pass "
            "custom_objects={'" + str(config.get("class_name")) + "': TheClass}"
            f". Keras said: {str(error)[:300]}") from None

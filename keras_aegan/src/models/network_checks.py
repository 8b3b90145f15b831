"""Early, explicit checks of the networks given to `StabilizedGAN`.

Every check raises a `ValueError`/`TypeError` that says what was received,
what was expected, and how to fix it, before any state is changed.
"""

import keras

from keras_aegan.src.models.conditional import has_auxiliary_classifier


def check_network(name, network):
    if not isinstance(network, keras.layers.Layer):
        raise TypeError(
            f"`{name}` must be a keras.Model, got {network!r} of type "
            f"{type(network).__name__}. Build it with keras.Sequential, the "
            "functional API or a keras.Model subclass."
        )


def _shape_of(spec):
    return tuple(spec.shape)


def _symbolic_call(name, network, input_shape, label_shape=None,
                   num_outputs=1):
    """`network` called on a symbolic batch of `input_shape` (and labels of
    `label_shape` for a conditional network); its output, or its
    `num_outputs` outputs as a list."""
    if isinstance(network, keras.Model) and getattr(network, "inputs", None):
        inputs = network.inputs
        if len(inputs) != (1 if label_shape is None else 2):
            raise ValueError(
                f"`{name}` must take a single input, it takes {len(inputs)}."
                if label_shape is None else
                f"`{name}` must take two inputs (samples and labels), it "
                f"takes {len(inputs)}."
            )
        expected = tuple(inputs[0].shape[1:])
        if expected != tuple(input_shape[1:]):
            raise ValueError(
                f"`{name}` takes inputs of shape {tuple(inputs[0].shape)}, "
                f"but here it receives batches of shape {tuple(input_shape)}. "
                f"Give the {name} the input shape {tuple(input_shape[1:])}."
            )
    call_inputs = keras.KerasTensor(input_shape)
    if label_shape is not None:
        call_inputs = [call_inputs, keras.KerasTensor(label_shape,
                                                      dtype="int32")]
    try:
        outputs = network(call_inputs)
    except Exception as e:  # A mismatch deep inside the network.
        raise ValueError(
            f"Calling `{name}` on inputs of shape {input_shape} failed: {e}"
        ) from e
    if num_outputs > 1:
        if (not isinstance(outputs, (list, tuple))
                or len(outputs) != num_outputs):
            raise ValueError(
                f"`{name}` must return {num_outputs} tensors, it returned "
                f"{outputs!r}.")
        return list(outputs)
    if isinstance(outputs, (list, tuple, dict)):
        raise ValueError(
            f"`{name}` must return a single tensor, it returned "
            f"{type(outputs).__name__}."
        )
    return outputs


def _shapes(network, attribute):
    tensors = (getattr(network, attribute, None)
               if isinstance(network, keras.Model) else None)
    try:
        return [tuple(t.shape[1:]) for t in tensors or ()]
    except (AttributeError, TypeError, ValueError):
        return []


def check_not_swapped(generator, discriminator):
    """Raises if the two networks look passed in each other's place (the
    keras-io recipe builds `GAN(discriminator, generator)`): a "generator"
    with a single `(batch, 1)` output whose input is what the
    "discriminator" outputs."""
    generator_out = _shapes(generator, "outputs")
    generator_in = _shapes(generator, "inputs")
    discriminator_out = _shapes(discriminator, "outputs")
    if (generator_out and generator_out[0] == (1,) and generator_in
            and discriminator_out
            and generator_in[0] == discriminator_out[0]
            and discriminator_out[0] != (1,)):
        raise ValueError(
            "The generator and the discriminator look swapped: the "
            f"`generator` maps {generator_in[0]} to {generator_out[0]} (a "
            f"discriminator's logit) and the `discriminator` outputs "
            f"samples of shape {discriminator_out[0]}. StabilizedGAN takes "
            "the generator first: StabilizedGAN(generator, discriminator) "
            "(the keras-io GAN's constructor takes the discriminator "
            "first).")


def infer_latent_dim(generator, latent_dim):
    if latent_dim is not None and (isinstance(latent_dim, bool)
                                   or not isinstance(latent_dim, int)
                                   or latent_dim < 1):
        raise ValueError(
            f"`latent_dim` must be a positive int or None, got {latent_dim!r}."
        )
    inputs = getattr(generator, "inputs", None) if isinstance(
        generator, keras.Model) else None
    if not inputs:
        if latent_dim is None:
            raise ValueError(
                "Cannot infer `latent_dim`: the generator has no defined input "
                "shape (a subclassed or unbuilt model). Pass latent_dim=... to "
                "StabilizedGAN, or give the generator a keras.Input."
            )
        return latent_dim
    if len(inputs) not in (1, 2) or len(inputs[0].shape) != 2:
        raise ValueError(
            "The generator must take one input of shape (batch, latent_dim) "
            "(and class labels as a second one, for a conditional GAN); its "
            f"inputs have shapes {[tuple(i.shape) for i in inputs]}."
        )
    inferred = inputs[0].shape[1]
    if latent_dim is not None and latent_dim != inferred:
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator's input "
            f"shape {tuple(inputs[0].shape)}. Pass latent_dim={inferred} or "
            "leave it as None to infer it."
        )
    return inferred


def check_generator(generator, latent_dim, label_shape=None):
    outputs = _symbolic_call("generator", generator, (None, latent_dim),
                             label_shape)
    data_shape = _shape_of(outputs)[1:]
    if not data_shape or any(d is None for d in data_shape):
        raise ValueError(
            "The generator must output a fixed sample shape (batch, *shape); "
            f"it outputs {_shape_of(outputs)}."
        )
    return tuple(data_shape)


def check_discriminator(discriminator, data_shape, label_shape=None,
                        num_classes=None):
    """A discriminator mapping samples (and labels) to `(batch, 1)` logits;
    with `num_classes` and two outputs (an auxiliary classifier), to
    `[logits, class_logits]` with class logits of `(batch, num_classes)`."""
    auxiliary = num_classes is not None and has_auxiliary_classifier(
        discriminator)
    outputs = _symbolic_call("discriminator", discriminator,
                             (None,) + tuple(data_shape), label_shape,
                             num_outputs=2 if auxiliary else 1)
    if auxiliary:
        outputs, classes = outputs
        if _shape_of(classes)[1:] != (num_classes,):
            raise ValueError(
                "A discriminator with two outputs is an auxiliary classifier "
                "(ACGAN): [logits, class_logits], the class logits of shape "
                f"(batch, num_classes={num_classes}); its second output has "
                f"shape {_shape_of(classes)}. End the classifier with "
                f"keras.layers.Dense({num_classes}) and no activation.")
    if _shape_of(outputs)[1:] != (1,):
        raise ValueError(
            "The discriminator must map "
            f"(batch, {', '.join(map(str, data_shape))}) to (batch, 1) "
            f"logits; it outputs {_shape_of(outputs)}. End it "
            "with keras.layers.Dense(1) and no activation."
        )


def check_autoencoder(autoencoder, data_shape):
    outputs = _symbolic_call("autoencoder", autoencoder,
                             (None,) + tuple(data_shape))
    if tuple(_shape_of(outputs)[1:]) != tuple(data_shape):
        raise ValueError(
            f"The autoencoder must map samples of shape {tuple(data_shape)} "
            "(the generator's output) back to the same shape; it outputs "
            f"{_shape_of(outputs)}."
        )


def check_encoder(encoder, data_shape, latent_dim):
    outputs = _symbolic_call("encoder", encoder, (None,) + tuple(data_shape))
    if tuple(_shape_of(outputs)[1:]) != (latent_dim,):
        raise ValueError(
            f"The encoder must map samples of shape {tuple(data_shape)} to "
            f"(batch, latent_dim) = (batch, {latent_dim}); it outputs "
            f"{_shape_of(outputs)}."
        )


def output_activation_name(generator):
    """Name of the generator's final activation (`"tanh"`...), or `None`."""
    passthrough = (keras.layers.Reshape, keras.layers.Flatten,
                   keras.layers.InputLayer)
    for layer in reversed(getattr(generator, "layers", [])):
        if isinstance(layer, passthrough):
            continue
        activation = getattr(layer, "activation", None)
        if activation is None:
            return None
        return getattr(activation, "__name__", None)
    return None


def nested_layers(network, descend=None):
    """Yields `network` and every layer nested in it, breadth first.

    `descend(layer)` returning False keeps the walk out of that layer's own
    sublayers (the layer itself is still yielded).
    """
    queue = [network]
    while queue:
        layer = queue.pop(0)
        yield layer
        if descend is None or descend(layer):
            queue.extend(getattr(layer, "layers", []))


def packing(network):
    """The largest `num_packed` of the PackSamples layers in `network`."""
    from keras_aegan.src.layers.pack_samples import PackSamples

    return max([layer.num_packed for layer in nested_layers(network)
                if isinstance(layer, PackSamples)], default=1)

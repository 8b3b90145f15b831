"""The GAN setups the quality benchmarks (mixtures, digits) compare.

Each method is the options it gives the network builder (`mlp_gan`) and
`compile()`; everything else (sizes, optimizers, steps) is the benchmark's
protocol, except where a method names its own `"optimizers"` (the Adam
settings of both the generator and the discriminator). Values are plain
data here; `build` turns them into objects once the backend is chosen.
"""

import dataclasses

# The Wasserstein loss with the WGAN-GP paper's penalty and critic steps.
WGAN_GP = {"adversarial_loss": "wasserstein",
           "gradient_penalty": ("wgan_gp", 10.0), "discriminator_steps": 5}
# Zero-centered penalties, gamma 3 for every dataset: with the recommended
# terms and RpGAN, seed-0 probes of gamma 0.1, 1, 3 and 10 on digits and
# stacked digits (and 1, 3 on the mixtures) found 3 the best compromise
# (docs/benchmarks.md, "Probes").
R1_GAMMA = 3.0
# Non-saturating loss + R1 (Mescheder et al. 2018).
NS_R1 = {"gradient_penalty": ("r1", R1_GAMMA)}
# RpGAN + R1 + R2 (Huang et al. 2024), with their equal weights.
R3GAN = {"adversarial_loss": "rpgan", "gradient_penalty": ("r1_r2", R1_GAMMA)}
# The same, lazily: R1 and R2 at every 4th discriminator step, times 4.
R3GAN_LAZY = {"adversarial_loss": "rpgan",
              "gradient_penalty": ("r1_r2_every4", R1_GAMMA)}
# Gradient penalties by name: (class in kag.regularizers, its arguments).
PENALTIES = {
    "wgan_gp": ("GradientPenalty", {}),
    "r1": ("R1Penalty", {}),
    "r2": ("R2Penalty", {}),
    "r1_r2": ("ZeroCenteredGradientPenalty", {"real": True, "fake": True}),
    "r1_r2_every4": ("ZeroCenteredGradientPenalty",
                     {"real": True, "fake": True, "every": 4}),
    "r1_every4": ("R1Penalty", {"every": 4}),
}

ADA = {"policy": "translation,cutout", "adjustment_images": 100_000}
METHODS = {
    # Our plain GAN under the protocol: the baseline of every table.
    "plain": {"compile": {"consistency_loss": None}},
    "manifold": {"compile": {"consistency_loss": "manifold"}},
    "data": {"compile": {"consistency_loss": "data"}},
    "latent": {"compile": {"consistency_loss": "latent"}},
    # The consistency terms alone (`compile()`'s default until R1 was
    # added to it: `gan.compile(gradient_penalty=None)`).
    "recommended": {"compile": {}},
    "ebgan": {"networks": {"autoencoder_discriminator": True},
              "compile": {"adversarial_loss": "ebgan",
                          "consistency_loss": None}},
    "began": {"networks": {"autoencoder_discriminator": True},
              "compile": {"adversarial_loss": "began",
                          "consistency_loss": None}},
    "hinge_sn": {"networks": {"spectral_normalization": True},
                 "compile": {"adversarial_loss": "hinge",
                             "consistency_loss": None}},
    # WGAN-GP as published: weight 10, 5 critic steps per generator step.
    "wgan_gp": {"compile": {**WGAN_GP, "consistency_loss": None}},
    # WGAN-GP with the paper's optimizer instead of the protocol's, for both
    # networks (Gulrajani et al. 2017, toy and image runs): Adam 1e-4,
    # beta_1 0.5, beta_2 0.9. The protocol's generator learns 10x faster
    # than its critic; this row tells whether that is why WGAN-GP fails on
    # the mixtures (measured: it is not, docs/benchmarks.md).
    "wgan_gp_paper": {"compile": {**WGAN_GP, "consistency_loss": None},
                      "optimizers": {"learning_rate": 1e-4, "beta_1": 0.5,
                                     "beta_2": 0.9}},
    # WGAN-GP with the recommended consistency terms.
    "recommended_wgan_gp": {"compile": dict(WGAN_GP)},
    # WGAN-GP scored with the average of the generator (decay 0.999).
    "wgan_gp_ema": {"compile": {**WGAN_GP, "consistency_loss": None},
                    "ema": 0.999},
    "pacgan2": {"networks": {"num_packed": 2},
                "compile": {"consistency_loss": None}},
    "pacgan4": {"networks": {"num_packed": 4},
                "compile": {"consistency_loss": None}},
    # The recommended terms with a PacGAN2 / PacGAN4 discriminator.
    "recommended_pacgan2": {"networks": {"num_packed": 2}, "compile": {}},
    "recommended_pacgan4": {"networks": {"num_packed": 4}, "compile": {}},
    # The recommended terms, scored with the average of the generator
    # (decay 0.999).
    "recommended_ema": {"compile": {}, "ema": 0.999},
    # The convergent baselines, alone and with the recommended terms.
    "ns_r1": {"compile": {**NS_R1, "consistency_loss": None}},
    # `gan.compile()`'s terms and penalty, scored on the generator's last
    # weights (`generator_ema=None`).
    "recommended_ns_r1": {"compile": dict(NS_R1)},
    # What `gan.compile()` does with no arguments: the same, with the
    # average of the generator (decay 0.999), which generate() samples.
    "recommended_ns_r1_ema": {"compile": dict(NS_R1), "ema": 0.999},
    "r3gan": {"compile": {**R3GAN, "consistency_loss": None}},
    "recommended_r3gan": {"compile": dict(R3GAN)},
    "recommended_r3gan_lazy": {"compile": dict(R3GAN_LAZY)},
    # compile()'s default with adaptive augmentation (ADA, Karras et al.
    # 2020) in front of the discriminator, for images (digits, images.py):
    # translation and cutout, p adjusted over 100,000 images (a digits run
    # sees 384,000).
    "recommended_ns_r1_ada": {
        "networks": {"adaptive_augmentation": ADA},
        "compile": dict(NS_R1)},
    # The same augmentation with the terms alone (no penalty): there the
    # discriminator's real logits grow, which is what ADA reacts to.
    "recommended_ada": {"networks": {"adaptive_augmentation": ADA},
                        "compile": {}},
    # The levers on the default's step cost (B3): R1 at every 4th
    # discriminator step (times 4), the terms and the autoencoder's update
    # on a quarter of each batch, and both.
    "recommended_ns_r1_lazy": {"compile": {
        "gradient_penalty": ("r1_every4", R1_GAMMA)}},
    "recommended_ns_r1_quarter": {"compile": dict(NS_R1),
                                  "terms_batch_fraction": 0.25},
    "recommended_ns_r1_fast": {"compile": {
        "gradient_penalty": ("r1_every4", R1_GAMMA)},
        "terms_batch_fraction": 0.25},
}

# What `--methods` runs when not given: the baseline and our default.
DEFAULT_METHODS = ("plain", "manifold", "data", "latent", "recommended")


def check(methods):
    """Raises SystemExit naming the unknown methods, if any."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"Unknown methods {unknown}; choose from "
                         f"{list(METHODS)}.")


def compile_arguments(spec_compile, ema=None):
    """A method's `compile` arguments with its penalty made. A method that
    names no penalty has none: `compile()`'s default would add the
    objective's recommended one (R1 for the non-saturating loss). Its
    `"ema"` is compile's `generator_ema` (none by default: scored on the
    last weights)."""
    import keras_aegan as kag

    compile_kwargs = {"gradient_penalty": None, "generator_ema": ema,
                      **spec_compile}
    if compile_kwargs["gradient_penalty"] is not None:
        name, weight = compile_kwargs["gradient_penalty"]
        class_name, kwargs = PENALTIES[name]
        compile_kwargs["gradient_penalty"] = getattr(
            kag.regularizers, class_name)(weight, **kwargs)
    return compile_kwargs


def augmented(nets, options):
    """`nets` with an adaptive `DifferentiableAugmentation(**options)` in
    front of the discriminator; `nets` itself when `options` is None."""
    import keras

    import keras_aegan as kag

    if options is None:
        return nets
    discriminator = nets.discriminator
    inputs = keras.Input(discriminator.input_shape[1:])
    augmentation = kag.layers.DifferentiableAugmentation(adaptive=True,
                                                         **options)
    outputs = discriminator(augmentation(inputs))
    return dataclasses.replace(nets,
                               discriminator=keras.Model(inputs, outputs))


def build(method):
    """`(network_kwargs, compile_kwargs)` of `method`, with objects made."""
    import keras

    import keras_aegan as kag

    spec = METHODS[method]
    compile_kwargs = compile_arguments(spec["compile"], spec.get("ema"))
    if "terms_batch_fraction" in spec:
        # compile()'s default terms, each on that part of the batch.
        compile_kwargs["consistency_loss"] = (
            kag.models.recommended_consistency_losses(
                batch_fraction=spec["terms_batch_fraction"]))
    if "optimizers" in spec:
        # One Adam per network: optimizers hold per-network moments.
        for name in ("generator_optimizer", "discriminator_optimizer"):
            compile_kwargs[name] = keras.optimizers.Adam(**spec["optimizers"])
    return dict(spec.get("networks", {})), compile_kwargs

"""Class-conditional GANs: fit(x, y), generate(labels=...), the builders'
conditional networks, saving and the errors."""

import keras
import numpy as np
import pytest

import keras_aegan as kag
from conftest import weights_of


def ring_with_labels(n=1024, seed=0):
    """The ring of 8 Gaussians, each sample labelled with its Gaussian."""
    x, centers = kag.datasets.ring(n, std=0.05, seed=seed)
    labels = np.argmin(((x[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    return x, labels.astype("int32"), centers


def nearest_center(samples, centers):
    return np.argmin(((samples[:, None] - centers[None]) ** 2).sum(-1),
                     axis=1)


def conditional_gan(seed=0, hidden_units=(32, 32), **kwargs):
    nets = kag.models.mlp_gan(2, 8, hidden_units=hidden_units, num_classes=8)
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=seed,
                             **kwargs)


def layer_weights(network, name):
    return [np.array(w) for w in network.get_layer(name).get_weights()]


def test_the_builders_conditional_networks_read_the_labels():
    nets = kag.models.mlp_gan(2, 8, hidden_units=(16,), num_classes=4)
    z = np.random.default_rng(0).standard_normal((6, 8)).astype("float32")
    zeros, threes = np.zeros((6, 1), "int32"), np.full((6, 1), 3, "int32")
    x0 = keras.ops.convert_to_numpy(nets.generator([z, zeros]))
    x3 = keras.ops.convert_to_numpy(nets.generator([z, threes]))
    assert x0.shape == (6, 2) and not np.allclose(x0, x3)
    d0 = keras.ops.convert_to_numpy(nets.discriminator([x0, zeros]))
    d3 = keras.ops.convert_to_numpy(nets.discriminator([x0, threes]))
    assert d0.shape == (6, 1) and not np.allclose(d0, d3)
    # The autoencoder and the encoder stay class-agnostic.
    assert len(nets.autoencoder.inputs) == len(nets.encoder.inputs) == 1
    assert kag.StabilizedGAN(nets.generator,
                             nets.discriminator).num_classes == 4


def test_fit_with_labels_draws_the_asked_class():
    """Labels reach both networks: each label embedding trains, and after
    training the generator draws from the Gaussian of the label it gets."""
    keras.utils.set_random_seed(0)
    x, y, centers = ring_with_labels()
    gan = conditional_gan()
    gan.compile(
        consistency_loss=None,
        generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    embeddings = (layer_weights(gan.generator, "label_embedding"),
                  layer_weights(gan.discriminator, "class_projection"))
    history = gan.fit(x, y, batch_size=128, epochs=30, verbose=0)
    assert np.isfinite(history.history["g_loss"]).all()
    assert not np.allclose(embeddings[0][0], layer_weights(
        gan.generator, "label_embedding")[0])
    assert not np.allclose(embeddings[1][0], layer_weights(
        gan.discriminator, "class_projection")[0])
    # The same latents for each label: were the labels ignored, each
    # sample would count for at most one label, and the accuracies would
    # add up to 1 at most.
    accuracy = [np.mean(nearest_center(gan.generate(400, labels=label,
                                                    seed=1), centers) == label)
                for label in (0, 2, 5, 7)]
    assert sum(accuracy) > 2.4, accuracy


@pytest.mark.parametrize("fraction", [1.0, 0.25])
def test_default_compile_trains_a_conditional_gan_and_reloads(tmp_path,
                                                              fraction):
    """The default terms: the data term reconstructs x through
    G(E(x), y); the manifold term's autoencoder is class-agnostic. On a
    quarter of the batch (batch_fraction) the data term takes those
    samples' labels."""
    x, y, _ = ring_with_labels(512)
    gan = conditional_gan()
    gan.compile(consistency_loss=kag.models.recommended_consistency_losses(
        batch_fraction=fraction))
    before = weights_of(gan.encoder)
    history = gan.fit(x, y, batch_size=128, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "ae_loss",
                                    "consistency_loss", "gp_loss"}
    assert np.isfinite(history.history["consistency_loss"]).all()
    assert any(not np.allclose(a, b) for a, b in
               zip(before, weights_of(gan.encoder), strict=True))
    path = str(tmp_path / "conditional.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.num_classes == 8
    assert [t.batch_fraction for t in loaded.consistency_losses] == [
        fraction] * 2
    np.testing.assert_allclose(loaded.generate(20, labels=3, seed=0),
                               gan.generate(20, labels=3, seed=0), atol=1e-6)
    history = loaded.fit(x, y, batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"]).all()


def test_fit_on_a_dataset_of_pairs():
    tf = pytest.importorskip("tensorflow")
    x, y, _ = ring_with_labels(256)
    gan = conditional_gan()
    gan.compile(consistency_loss=None)
    before = weights_of(gan.generator)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)
    gan.fit(dataset, epochs=1, verbose=0)
    assert any(not np.allclose(a, b) for a, b in
               zip(before, weights_of(gan.generator), strict=True))
    with pytest.raises(ValueError, match="first batch has no labels"):
        gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(64), verbose=0)
    with pytest.raises(ValueError, match=r"first batch.*\[0, 8\)"):
        gan.fit(tf.data.Dataset.from_tensor_slices((x, y + 1)).batch(64),
                verbose=0)


def test_generate_labels():
    gan = conditional_gan()
    same = gan.generate(7, labels=2, seed=0)
    array = gan.generate(7, labels=np.full(7, 2), seed=0)
    np.testing.assert_allclose(same, array, atol=1e-6)
    assert gan.generate(5, labels=[0, 1, 2, 3, 4]).shape == (5, 2)
    # Without labels: drawn uniformly, reproducibly with the seed.
    np.testing.assert_allclose(gan.generate(30, seed=4),
                               gan.generate(30, seed=4), atol=1e-6)
    # In batches: the labels follow their latents.
    np.testing.assert_allclose(
        gan.generate(10, labels=np.arange(10) % 8, seed=0, batch_size=3),
        gan.generate(10, labels=np.arange(10) % 8, seed=0), atol=1e-5)


@pytest.mark.parametrize("labels, error, match", [
    (8, ValueError, r"\[0, 8\)"),
    ([0, 1], ValueError, "2 labels for 3 samples"),
    (np.array([0.0, 1.0, 2.0]), TypeError, "integers"),
])
def test_generate_refuses_bad_labels(labels, error, match):
    with pytest.raises(error, match=match):
        conditional_gan().generate(3, labels=labels)


def test_an_unconditional_gan_takes_no_labels():
    nets = kag.models.mlp_gan(2, 8, hidden_units=(8,))
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator)
    with pytest.raises(ValueError, match="not conditional"):
        gan.generate(3, labels=1)
    with pytest.raises(ValueError, match="not conditional"):
        kag.StabilizedGAN(nets.generator, nets.discriminator, num_classes=3)
    conditional = kag.models.mlp_gan(2, 8, hidden_units=(8,), num_classes=3)
    with pytest.raises(ValueError, match="discriminator neither takes"):
        kag.StabilizedGAN(conditional.generator, nets.discriminator)
    with pytest.raises(ValueError, match="generator takes no labels"):
        kag.StabilizedGAN(nets.generator, conditional.discriminator)
    with pytest.raises(ValueError, match="does not match"):
        kag.StabilizedGAN(conditional.generator, conditional.discriminator,
                          num_classes=4)


@pytest.mark.parametrize("make_labels, error, match", [
    (lambda y: None, ValueError, r"needs the class labels.*got y=None"),
    (lambda y: np.where(y == 0, 8, y), ValueError, r"outside it \(e.g. 8\)"),
    (lambda y: y.astype("float32"), TypeError, "integers"),
    (lambda y: y[:-1], ValueError, "labels for 256 samples"),
    (lambda y: np.eye(8, dtype="int32")[y], ValueError, "argmax"),
])
def test_fit_refuses_bad_labels_and_changes_nothing(make_labels, error,
                                                    match):
    x, y, _ = ring_with_labels(256)
    gan = conditional_gan()
    gan.compile(consistency_loss=None)
    before = weights_of(gan)
    with pytest.raises(error, match=match):
        gan.fit(x, make_labels(y), batch_size=64, verbose=0)
    assert all(np.array_equal(a, b)
               for a, b in zip(before, weights_of(gan), strict=True))


def test_conditional_dcgan_trains_on_labelled_digits():
    x, y = kag.datasets.digits()
    x, y = x[:128], y[:128]
    nets = kag.models.dcgan((8, 8, 1), 16, filters=8, num_classes=10)
    z = np.zeros((4, 16), "float32")
    labels = np.arange(4, dtype="int32")[:, None]
    images = keras.ops.convert_to_numpy(nets.generator([z, labels]))
    assert images.shape == (4, 8, 8, 1)
    assert not np.allclose(images[0], images[1])
    logits = keras.ops.convert_to_numpy(
        nets.discriminator([images[:1].repeat(4, 0), labels]))
    assert logits.shape == (4, 1) and not np.allclose(logits[0], logits[1])
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    assert gan.num_classes == 10
    gan.compile(consistency_loss=None)
    before = layer_weights(gan.discriminator, "class_projection")
    history = gan.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    assert not np.allclose(before[0], layer_weights(gan.discriminator,
                                                    "class_projection")[0])
    assert gan.generate(3, labels=7).shape == (3, 8, 8, 1)


def acgan(seed=0, num_classes=8, **kwargs):
    nets = kag.models.mlp_gan(2, 8, hidden_units=(32, 32),
                              num_classes=num_classes, conditioning="acgan",
                              **kwargs)
    return kag.StabilizedGAN(nets.generator, nets.discriminator, seed=seed)


def test_acgan_classifies_and_draws_the_asked_class(tmp_path):
    """ACGAN: the discriminator sees the samples alone and returns [logit,
    class_logits]; its classification loss (`class_loss`) trains the class
    head and steers the generator to the asked class."""
    keras.utils.set_random_seed(0)
    x, y, centers = ring_with_labels()
    gan = acgan()
    assert gan.num_classes == 8 and len(gan.discriminator.inputs) == 1
    gan.compile(
        consistency_loss=None,
        generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    history = gan.fit(x, y, batch_size=128, epochs=30, verbose=0)
    class_loss = history.history["class_loss"]
    assert np.isfinite(class_loss).all()
    # Two cross-entropies (real, fake) over 8 classes start near 2 ln 8.
    assert class_loss[-1] < 0.5 * class_loss[0], class_loss
    _, class_logits = gan.discriminator(x[:256])
    assert np.mean(np.argmax(keras.ops.convert_to_numpy(class_logits),
                             axis=-1) == y[:256]) > 0.9
    accuracy = [np.mean(nearest_center(gan.generate(400, labels=label,
                                                    seed=1), centers) == label)
                for label in (0, 2, 5, 7)]
    assert sum(accuracy) > 2.4, accuracy
    path = str(tmp_path / "acgan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.generate(20, labels=3, seed=0),
                               gan.generate(20, labels=3, seed=0), atol=1e-6)
    history = loaded.fit(x, y, batch_size=128, epochs=1, verbose=0)
    assert np.isfinite(history.history["class_loss"]).all()


def test_class_loss_weight_zero_leaves_the_class_head_untrained():
    x, y, _ = ring_with_labels(256)
    weights = {}
    for weight in (0.0, 2.0):
        gan = acgan()
        gan.compile(consistency_loss=None, class_loss_weight=weight,
                    adversarial_loss="hinge")
        before = layer_weights(gan.discriminator, "class_logits")
        gan.fit(x, y, batch_size=64, epochs=1, verbose=0)
        weights[weight] = [np.allclose(a, b) for a, b in zip(
            before, layer_weights(gan.discriminator, "class_logits"),
            strict=True)]
    assert all(weights[0.0]) and not any(weights[2.0])


def test_conditional_dcgan_acgan_with_spectral_norm_and_r1():
    x, y = kag.datasets.digits()
    nets = kag.models.dcgan((8, 8, 1), 16, filters=8, num_classes=10,
                            conditioning="acgan", spectral_normalization=True)
    logits, class_logits = nets.discriminator(np.zeros((2, 8, 8, 1)))
    assert logits.shape == (2, 1) and class_logits.shape == (2, 10)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=None,
                gradient_penalty=kag.regularizers.R1Penalty(1.0))
    before = weights_of(gan.discriminator)
    history = gan.fit(x[:128], y[:128], batch_size=64, epochs=1, verbose=0)
    assert {"class_loss", "gp_loss"} <= set(history.history)
    assert np.isfinite(history.history["class_loss"]).all()
    assert any(not np.allclose(a, b) for a, b in
               zip(before, weights_of(gan.discriminator), strict=True))


def test_acgan_errors():
    with pytest.raises(ValueError, match="conditioning must be one of"):
        kag.models.mlp_gan(2, 8, num_classes=3, conditioning="concat")
    with pytest.raises(ValueError, match="needs num_classes"):
        kag.models.dcgan((8, 8, 1), 8, conditioning="acgan")
    unconditional = kag.models.mlp_gan(2, 8, hidden_units=(8,))
    gan = kag.StabilizedGAN(unconditional.generator,
                            unconditional.discriminator)
    with pytest.raises(ValueError, match="has none"):
        gan.compile(class_loss_weight=0.5)
    with pytest.raises(ValueError, match="class_loss_weight"):
        acgan().compile(class_loss_weight=-1.0)
    # A class head whose size is not the number of classes.
    nets = kag.models.mlp_gan(2, 8, hidden_units=(8,), num_classes=3,
                              conditioning="acgan")
    inputs = keras.Input((2,))
    logit, _ = nets.discriminator(inputs)
    wrong = keras.Model(inputs, [logit, keras.layers.Dense(5)(inputs)])
    with pytest.raises(ValueError, match=r"num_classes=3"):
        kag.StabilizedGAN(nets.generator, wrong)


def test_the_guide_runs():
    from test_docs import _python_blocks

    code = "\n".join(_python_blocks("docs/guides/conditional.md"))
    old = "gan.fit(x, y, batch_size=64, epochs=1)"
    assert old in code, "the guide changed: update this test"
    namespace = {}
    exec(compile(code.replace(old, "gan.fit(x[:128], y[:128], "
                                   "batch_size=64, epochs=1)"),
                 "conditional.md", "exec"), namespace)
    assert namespace["threes"].shape == (16, 8, 8, 1)
    assert namespace["mixed"].shape == (10, 8, 8, 1)
    # The ACGAN section's run logs the classifier's loss.
    assert np.isfinite(namespace["history"].history["class_loss"]).all()


def test_sample_grid_draws_one_row_per_class(tmp_path, monkeypatch):
    from keras_aegan.src import plotting

    drawn = []
    monkeypatch.setattr(
        plotting, "save_sample_grid",
        lambda samples, path, row_labels=None, **kwargs: drawn.append(
            (samples, list(row_labels))))
    x, y = kag.datasets.digits()
    nets = kag.models.dcgan((8, 8, 1), 16, filters=8, num_classes=10)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    gan.compile(consistency_loss=None)
    grid = kag.callbacks.SampleGrid(tmp_path, num_samples=35, seed=3)
    gan.fit(x[:128], y[:128], batch_size=64, epochs=1, verbose=0,
            callbacks=[grid])
    samples, rows = drawn[0]
    assert rows == list(range(10)) and samples.shape == (30, 8, 8, 1)
    np.testing.assert_allclose(
        samples, gan.generate(30, labels=np.repeat(np.arange(10), 3),
                              seed=3), atol=1e-5)


def test_generative_metrics_score_each_class():
    x, y, _ = ring_with_labels(512)
    gan = conditional_gan()
    gan.compile(consistency_loss=None)
    metrics = kag.callbacks.GenerativeMetrics(
        x, [keras.metrics.MeanSquaredError(name="mse")], num_samples=300,
        batch_size=64, real_labels=y, per_class=True)
    history = gan.fit(x, y, batch_size=128, epochs=1, verbose=0,
                      callbacks=[metrics])
    assert {f"mse_class_{c}" for c in range(8)} <= set(history.history)
    # By hand: the generated samples take the real subset's classes.
    rows = metrics._real_rows
    generated = gan.generate(300, labels=y[rows], seed=0, batch_size=64)
    errors = ((x[rows] - generated) ** 2).mean(axis=1)
    np.testing.assert_allclose(metrics.results["mse"], errors.mean(),
                               rtol=1e-4)
    for c in (0, 5):
        np.testing.assert_allclose(metrics.results[f"mse_class_{c}"],
                                   errors[y[rows] == c].mean(), rtol=1e-4)
    with pytest.raises(ValueError, match="real_labels=y"):
        kag.callbacks.GenerativeMetrics(x, [keras.metrics.MeanSquaredError()],
                                        per_class=True)


@pytest.mark.parametrize("make_gan", [conditional_gan, acgan])
def test_stability_monitor_judges_with_the_classes(make_gan):
    """The discriminator_wins rule calls the discriminator with each
    sample's class (a projection discriminator needs the labels as input,
    an ACGAN one returns two outputs): the check runs and stays quiet."""
    x, y, _ = ring_with_labels(256)
    gan = make_gan()
    gan.compile(consistency_loss=None)
    monitor = kag.callbacks.StabilityMonitor(real_data=x, verbose=False)
    with pytest.raises(ValueError, match="pass real_labels=y"):
        gan.fit(x, y, batch_size=64, epochs=1, verbose=0,
                callbacks=[monitor])
    monitor = kag.callbacks.StabilityMonitor(real_data=x, real_labels=y,
                                             verbose=False)
    gan.fit(x, y, batch_size=64, epochs=2, verbose=0, callbacks=[monitor])
    assert monitor.events == [] and monitor._snapshot_epoch == 1


@pytest.mark.parametrize("loss, conditioning", [
    ("hinge", "acgan"), ("wasserstein", "projection"),
    ("least_squares", "acgan"), ("rpgan", "projection"),
    ("minimax", "acgan"),
])
def test_both_families_train_with_the_logit_losses(loss, conditioning):
    """Every logit loss sees the logit alone (ACGAN's class logits go to
    its class loss); the non-saturating loss is tested above."""
    x, y, _ = ring_with_labels(128)
    nets = kag.models.mlp_gan(2, 8, hidden_units=(16,), num_classes=8,
                              conditioning=conditioning)
    gan = kag.StabilizedGAN(nets.generator, nets.discriminator, seed=0)
    penalty = (kag.regularizers.GradientPenalty(10.0)
               if loss == "wasserstein" else None)
    gan.compile(adversarial_loss=loss, consistency_loss=None,
                gradient_penalty=penalty)
    before = weights_of(gan)
    history = gan.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert ("class_loss" in history.history) == (conditioning == "acgan")
    assert any(not np.allclose(a, b) for a, b in
               zip(before, weights_of(gan), strict=True))


def test_backup_and_restore_resumes_a_conditional_gan(tmp_path):
    """An interrupted conditional run goes on where it stopped: every
    weight (class head included) and the optimizers' step counts."""
    x, y, _ = ring_with_labels(256)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("interrupted")

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = weights_of(self.model)

    gan = acgan()
    gan.compile(consistency_loss=None)
    with pytest.raises(RuntimeError, match="interrupted"):
        gan.fit(x, y, batch_size=64, epochs=4, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(str(tmp_path)), Interrupt()])
    stopped = weights_of(gan)
    resumed, probe = acgan(seed=1), Probe()
    resumed.compile(consistency_loss=None)
    history = resumed.fit(x, y, batch_size=64, epochs=4, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(
                              str(tmp_path)), probe])
    assert all(np.allclose(a, b) for a, b in
               zip(probe.weights, stopped, strict=True))
    assert len(history.history["class_loss"]) == 2
    assert int(resumed.generator_optimizer.iterations) == 16

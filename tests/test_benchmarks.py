"""Smoke tests of the benchmarks: tiny runs write every field, and runs of
separate processes pool with --merge. The scripts' plumbing (JSON, merge,
plots) runs on one backend (backend_independent); what they train is
tested on every backend by the engine's tests."""

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks import mixtures  # noqa: E402
from benchmarks.common import decode_8bit  # noqa: E402
from benchmarks.common import encode_8bit  # noqa: E402


@pytest.mark.backend_independent
def test_mixtures_benchmark_writes_every_field(tmp_path):
    # Seeds 0 and 1 in two processes' worth of runs, pooled by --merge.
    for seed in (1, 0):
        mixtures.main(["--seeds", "1", "--first-seed", str(seed), "--steps",
                       "40", "--eval-every", "20", "--methods",
                       "plain,manifold", "--output", str(tmp_path / str(seed))])
    # The partial file (written after every run) pools like a whole one.
    mixtures.main(["--merge", str(tmp_path / "1" / "mixtures.partial.json"),
                   str(tmp_path / "0" / "mixtures.json"), "--output",
                   str(tmp_path)])
    with open(tmp_path / "mixtures.json") as f:
        results = json.load(f)
    assert results["protocol"]["seeds"] == 2
    assert results["protocol"]["steps"] == 40
    for dataset in ("ring", "grid"):
        for method in ("plain", "manifold"):
            entry = results[dataset][method]
            assert [run["seed"] for run in entry["runs"]] == [0, 1]
            assert entry["samples_seed"] == 0
            for run in entry["runs"]:
                assert set(run) == {*mixtures.FIELDS, "seed", "failed",
                                    "seconds"}
            assert [t["step"] for t in entry["traces"][0]] == [20, 40]
            for field in mixtures.FIELDS:
                assert set(entry["summary"][field]) == {"mean", "sem"}
            assert 0 <= entry["summary"]["failed_runs"] <= 2
        assert (tmp_path / f"mixtures_samples_{dataset}.png").stat().st_size
        assert (tmp_path / f"mixtures_trace_{dataset}.png").stat().st_size
    from benchmarks import report

    table = report.mixtures_table(results, "ring")
    assert "| plain | 2 |" in table and "PacGAN4" in table
    assert report.main(["--mixtures", str(tmp_path / "mixtures.json")]) == 0
    with pytest.raises(SystemExit, match="seeds \\[0\\] are in two files"):
        mixtures.main(["--merge", str(tmp_path / "0" / "mixtures.json"),
                       str(tmp_path / "0" / "mixtures.json"), "--output",
                       str(tmp_path / "again")])


@pytest.mark.backend_independent
def test_late_high_quality_averages_each_run_after_the_step():
    from benchmarks import report

    def trace(*hq):
        return [{"step": 1000 * (i + 1), "high_quality": v}
                for i, v in enumerate(hq)]

    results = {"ring": {"m": {"traces": [trace(0.0, 0.9, 0.3),
                                         trace(0.0, 0.6, 0.8)]}}}
    # Runs average 0.6 and 0.7 after step 1,000; one of four under 50%.
    mean, sem, below, count = report.late_high_quality(
        results, "ring", "m", after_step=1000)
    assert (round(mean, 6), round(sem, 6), below, count) == (0.65, 0.05, 1, 4)
    assert report.late_high_quality_line(results, "ring", "m", 1000) == (
        "HQ after step 1,000, m: 65.0 ± 5.0% (under 50% in 1 of 4 "
        "evaluations)")
    with pytest.raises(ValueError, match="no evaluation after step 3000"):
        report.late_high_quality(results, "ring", "m", after_step=3000)


@pytest.mark.backend_independent
def test_an_interrupted_mixtures_run_keeps_its_finished_seeds(
        tmp_path, monkeypatch):
    real_run_one = mixtures.run_one

    def run_one(dataset, method, seed, *args, **kwargs):
        if seed == 1:
            raise KeyboardInterrupt
        return real_run_one(dataset, method, seed, *args, **kwargs)

    monkeypatch.setattr(mixtures, "run_one", run_one)
    with pytest.raises(KeyboardInterrupt):
        mixtures.main(["--seeds", "2", "--steps", "20", "--eval-every", "20",
                       "--methods", "plain", "--datasets", "ring",
                       "--output", str(tmp_path / "cut")])
    mixtures.main(["--merge", str(tmp_path / "cut" / "mixtures.partial.json"),
                   "--output", str(tmp_path)])
    with open(tmp_path / "mixtures.json") as f:
        results = json.load(f)
    assert [run["seed"] for run in results["ring"]["plain"]["runs"]] == [0]


@pytest.mark.parametrize("method", ["ebgan", "began", "hinge_sn", "wgan_gp",
                                    "pacgan2", "recommended_pacgan4",
                                    "recommended_pacgan2",
                                    "recommended_wgan_gp",
                                    "wgan_gp_paper", "recommended_ema",
                                    "ns_r1", "r3gan", "recommended_r3gan"])
def test_each_mixtures_method_trains(method):
    final, trace, generated, _ = mixtures.run_one("ring", method, 0, 10, 10)
    assert generated.shape == (mixtures.NUM_SCORED, 2)
    assert np.isfinite(generated).all()
    assert set(mixtures.FIELDS) <= set(final) and len(trace) == 1


def test_methods_build_their_penalties():
    import keras_aegan as kag
    from benchmarks.methods import build

    _, r3gan = build("r3gan")
    penalty = r3gan["gradient_penalty"]
    assert r3gan["adversarial_loss"] == "rpgan"
    assert type(penalty) is kag.regularizers.ZeroCenteredGradientPenalty
    assert penalty.real and penalty.fake
    _, ns_r1 = build("recommended_ns_r1")
    assert type(ns_r1["gradient_penalty"]) is kag.regularizers.R1Penalty
    assert "consistency_loss" not in ns_r1  # compile()'s default terms
    # Scored on the last weights; with "ema", on compile()'s average.
    assert ns_r1["generator_ema"] is None
    assert build("recommended_ns_r1_ema")[1]["generator_ema"] == 0.999
    _, wgan = build("wgan_gp")
    assert wgan["gradient_penalty"].weight == 10.0
    # A method naming no penalty has none (not compile()'s default R1).
    assert build("recommended")[1]["gradient_penalty"] is None
    assert build("plain")[1]["gradient_penalty"] is None


def test_the_ada_method_puts_adaptive_augmentation_before_the_discriminator():
    import keras_aegan as kag
    from benchmarks.methods import augmented
    from benchmarks.methods import build

    network_kwargs, _ = build("recommended_ns_r1_ada")
    options = network_kwargs.pop("adaptive_augmentation")
    nets = augmented(kag.models.mlp_gan((8, 8, 1), 4, hidden_units=(8,)),
                     options)
    layers = [layer for layer in nets.discriminator.layers
              if isinstance(layer, kag.layers.DifferentiableAugmentation)]
    assert len(layers) == 1 and layers[0].adaptive
    assert layers[0].adjustment_images == 100_000
    assert nets.discriminator.output_shape == (None, 1)


def test_a_method_with_its_own_optimizers_trains_with_them(monkeypatch):
    import keras_aegan as kag

    # What the benchmark's run actually hands to compile().
    compiled = {}
    real_compile = kag.StabilizedGAN.compile

    def compile(self, **kwargs):
        compiled[method] = kwargs
        return real_compile(self, **kwargs)

    monkeypatch.setattr(kag.StabilizedGAN, "compile", compile)
    for method in ("wgan_gp_paper", "wgan_gp"):
        mixtures.run_one("ring", method, 0, 10, 10)
    generator = compiled["wgan_gp_paper"]["generator_optimizer"]
    discriminator = compiled["wgan_gp_paper"]["discriminator_optimizer"]
    assert generator is not discriminator
    for optimizer in (generator, discriminator):
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.5, 0.9)
    # The protocol's optimizers (generator 1e-3, discriminator 1e-4) stay
    # for the other methods.
    protocol = compiled["wgan_gp"]
    for name, rate in (("generator_optimizer", 1e-3),
                       ("discriminator_optimizer", 1e-4)):
        assert float(protocol[name].learning_rate) == pytest.approx(rate)
        assert (protocol[name].beta_1, protocol[name].beta_2) == (0.5, 0.999)


@pytest.fixture
def judges(monkeypatch):
    """The judges trained so far: each benchmark's main() trains the same
    judge (a scikit-learn classifier of the same digits, same seed); it is
    trained once. test_digits_judge_and_scores_on_real_data checks the
    judge itself."""
    from benchmarks import digits

    judges = {}
    real_judge = digits.Judge

    def judge(x, y, seed=0):
        key = (seed, x.shape, hash(x.tobytes()), hash(y.tobytes()))
        if key not in judges:
            judges[key] = real_judge(x, y, seed)
        return judges[key]

    monkeypatch.setattr(digits, "Judge", judge)
    return judges


@pytest.mark.backend_independent
def test_digits_benchmark_writes_every_field(tmp_path, judges):
    from benchmarks import digits

    # Seeds 1 and 0 in two processes' worth of runs, pooled by --merge.
    # 4 steps: one short epoch per run (what is checked is the JSON, the
    # plots and the merge, not how far the runs get).
    results = digits.main(["--seeds", "1", "--first-seed", "1", "--steps",
                           "4", "--output", str(tmp_path / "1"), "--methods",
                           "plain,began,pacgan4"])
    assert results["judge_accuracy"] >= 0.97
    digits.main(["--seeds", "1", "--steps", "4", "--output",
                 str(tmp_path / "0"), "--methods", "plain,recommended"])
    assert len(judges) == 1
    digits.main(["--merge", str(tmp_path / "1" / "digits.partial.json"),
                 str(tmp_path / "0" / "digits.json"), "--output",
                 str(tmp_path)])
    with open(tmp_path / "digits.json") as f:
        saved = json.load(f)
    digits.check_results(saved)
    assert saved["protocol"]["seeds"] == 2
    for variant in ("digits", "stacked"):
        assert saved[variant]["frechet_floor"] >= 0
        methods = saved[variant]["methods"]
        assert [r["seed"] for r in methods["plain"]["runs"]] == [0, 1]
        assert [r["seed"] for r in methods["began"]["runs"]] == [1]
        assert methods["pacgan4"]["runs"][0]["finite_losses"]
        assert methods["plain"]["samples_seed"] == 0
        for method in ("plain", "recommended"):
            assert all(r["finite_losses"] for r in methods[method]["runs"])
            assert decode_8bit(methods[method]["samples"]).shape[0] == 64
        assert (tmp_path / f"digits_samples_{variant}.png").stat().st_size
        began = methods["began"]["runs"][0]["history"]
        assert {"convergence", "balance"} <= set(began)
        assert (tmp_path / f"digits_convergence_{variant}.png").stat().st_size
    from benchmarks import report

    assert "| began | 1 |" in report.digits_table(saved, "digits")
    assert "| plain | 2 |" in report.digits_table(saved, "digits")
    with pytest.raises(SystemExit, match="seeds \\[0\\] are in two files"):
        digits.main(["--merge", str(tmp_path / "0" / "digits.json"),
                     str(tmp_path / "0" / "digits.json"), "--output",
                     str(tmp_path / "again")])
    # A floor that differs in the last digits (XLA thread settings) is the
    # same floor; another one is refused.
    for scale, merges in ((1 + 1e-6, True), (1.1, False)):
        with open(tmp_path / "1" / "digits.partial.json") as f:
            part = json.load(f)
        for variant in ("digits", "stacked"):
            part[variant]["frechet_floor"] *= scale
        with open(tmp_path / "moved.json", "w") as f:
            json.dump(part, f)
        args = ["--merge", str(tmp_path / "0" / "digits.json"),
                str(tmp_path / "moved.json"), "--output",
                str(tmp_path / f"floor_{scale}")]
        if merges:
            moved = digits.main(args)
            assert moved["digits"]["frechet_floor"] == (
                saved["digits"]["frechet_floor"])
        else:
            with pytest.raises(SystemExit, match="another digits Fréchet"):
                digits.main(args)
    # A broken result is caught.
    del saved["digits"]["methods"]["plain"]["runs"][0]["class_kl"]
    with pytest.raises(RuntimeError, match="class_kl"):
        digits.check_results(saved)


@pytest.mark.backend_independent
def test_digits_judge_and_scores_on_real_data():
    import numpy as np

    import keras_aegan as kag
    from benchmarks import digits

    x, y = kag.datasets.digits()
    judge = digits.Judge(x, y)
    scores = digits.score("digits", judge, x, x)
    assert scores["classes_covered"] == 10
    assert scores["class_kl"] < 0.01
    assert abs(scores["frechet_distance"]) < 1e-3  # identical sets
    one_class = x[y == 3]
    scores = digits.score("digits", judge, one_class, x)
    assert scores["classes_covered"] == 1
    np.testing.assert_allclose(scores["class_kl"], np.log(10), rtol=0.05)
    xs, _ = kag.datasets.stacked(x, y, 4000, seed=0)
    scores = digits.score("stacked", judge, xs, xs)
    assert scores["modes_covered"] > 900


def test_step_cost_benchmark_writes_every_field(tmp_path):
    import keras

    from benchmarks import step_cost

    results = step_cost.main(["--cases", "mlp", "--steps", "2", "--rounds",
                              "1", "--steps-per-execution", "2", "--output",
                              str(tmp_path)])
    backend = keras.backend.backend()
    with open(tmp_path / f"step_cost_{backend}.json") as f:
        saved = json.load(f)
    step_cost.check_results(saved)
    rates = results["cases"]["mlp"]["steps_per_second"]
    assert set(step_cost.CONTENDERS) <= set(rates)
    # Keras' PyTorch trainer runs one step per call.
    assert ("none_spe2" in rates) == (backend != "torch")
    with pytest.raises(SystemExit):
        step_cost.parse_args(["--steps-per-execution", "0"])


def test_step_cost_times_only_the_contenders_named(tmp_path):
    from benchmarks import step_cost

    results = step_cost.main(["--cases", "mlp", "--steps", "2", "--rounds",
                              "1", "--contenders",
                              "recommended,recommended_last", "--output",
                              str(tmp_path)])
    entry = results["cases"]["mlp"]
    assert set(entry["steps_per_second"]) == {"recommended",
                                              "recommended_last"}
    assert set(entry["ratios"]) == {
        "recommended / recommended_last (the average's cost)"}
    step_cost.check_results(results)
    with pytest.raises(SystemExit):
        step_cost.parse_args(["--contenders", "recommended,typo"])
    with pytest.raises(SystemExit, match="keras_io"):
        step_cost.keep({"none": None}, ("none", "keras_io"))


def test_keras_io_recipe_trains_both_networks():
    # The step-cost baseline: its backend's train_step (TensorFlow,
    # PyTorch: the keras-io class under fit; JAX: its jitted step) updates
    # the discriminator and the generator.
    import keras

    from benchmarks.baselines import keras_io_gan

    keras.utils.set_random_seed(0)
    discriminator, generator = keras_io_gan.networks(latent_dim=8)
    before = [[keras.ops.convert_to_numpy(v).copy() for v in net.weights]
              for net in (discriminator, generator)]
    x = np.random.default_rng(0).uniform(0, 1, (4, 28, 28, 1))
    x = x.astype("float32")
    if keras.backend.backend() == "jax":
        recipe = keras_io_gan.JaxRecipe(discriminator, generator, 8)
        recipe.step(x)
        recipe.sync()
        after = [[np.asarray(v) for v in recipe.state[0]],
                 [np.asarray(v) for v in recipe.state[2]]]
        losses = [float(loss) for loss in recipe.losses]
    else:
        gan = keras_io_gan.GAN(discriminator, generator, 8)
        d_opt, g_opt = keras_io_gan.optimizers()
        gan.compile(d_optimizer=d_opt, g_optimizer=g_opt,
                    loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
        history = gan.fit(x, batch_size=4, epochs=1, verbose=0)
        after = [[keras.ops.convert_to_numpy(v) for v in net.weights]
                 for net in (discriminator, generator)]
        losses = [history.history[k][0] for k in ("d_loss", "g_loss")]
        assert int(d_opt.iterations) == int(g_opt.iterations) == 1
    assert all(np.isfinite(losses))
    for old, new in zip(before, after, strict=True):
        assert any(not np.allclose(a, b)
                   for a, b in zip(old, new, strict=True))


@pytest.mark.backend_independent
def test_step_cost_keras_io_ratios():
    from benchmarks import step_cost

    rates = {"keras_io": 6.0, "none": 4.0, "recommended": 2.0,
             "recommended_last": 2.2, "recommended_lazy_r1": 2.5,
             "recommended_quarter": 3.0, "recommended_fast": 3.2}
    ratios = step_cost.ratios(rates)
    assert ratios["none / keras_io (>1: slower than the recipe)"] == 1.5
    assert ratios["recommended / keras_io (>1: slower than the recipe)"] == 3
    assert ratios["recommended / none"] == 2
    assert ratios["recommended_fast / none"] == 1.25
    assert ratios["recommended / recommended_last (the average's cost)"] == (
        pytest.approx(1.1))
    entry = {"steps_per_second": rates, "ratios": ratios}
    step_cost.check_results({"cases": {"kerasio": entry}})
    del rates["keras_io"]
    with pytest.raises(RuntimeError, match="keras_io"):
        step_cost.check_results({"cases": {"kerasio": entry}})


@pytest.mark.backend_independent
def test_step_cost_time_in_step_counts_only_the_steps(monkeypatch):
    from benchmarks import step_cost

    timer = step_cost.step_timer()
    monkeypatch.setattr(step_cost, "FIT_CALLBACKS", [timer])

    def contender(in_step):
        def run(x, batch_size):
            # What fit does: some time between the steps (not counted),
            # `in_step` seconds inside them (counted by the callback).
            timer.total += in_step

        return run

    rates = step_cost.measure({"none": contender(0.5),
                               "recommended": contender(1.0)},
                              x=list(range(8)), batch_size=2, rounds=3)
    # 4 steps per block: 4 / 0.5 s and 4 / 1.0 s.
    assert rates == {"none": pytest.approx(8.0),
                     "recommended": pytest.approx(4.0)}
    entry = {"steps_per_second": {name: 1.0 for name in step_cost.CONTENDERS
                                  if name not in step_cost.NOT_FIT}}
    entry["ratios"] = step_cost.ratios(entry["steps_per_second"])
    step_cost.check_results({"time_in_step": True, "cases": {"mlp": entry}})
    with pytest.raises(RuntimeError, match="handwritten"):
        step_cost.check_results({"cases": {"mlp": entry}})


@pytest.mark.backend_independent
def test_soak_benchmark_records_memory_in_a_child_process(tmp_path):
    from benchmarks import soak

    results = soak.main(["--setups", "plain", "--steps", "6",
                         "--sample-every", "2", "--output", str(tmp_path)])
    record = results["setups"]["plain"]
    # One resident-size sample per epoch of 2 steps, in the child process.
    assert [step for step, _ in record["resident_mb"]] == [2, 4, 6]
    assert all(mb > 50 for _, mb in record["resident_mb"])
    assert record["peak_resident_mb"] >= max(
        mb for _, mb in record["resident_mb"]) * 0.99
    assert record["finite_losses"]
    assert record["device_peak_mb"] is None or record["device_peak_mb"] > 0
    assert (tmp_path / f"soak_{results['backend']}.png").exists()
    with open(tmp_path / f"soak_{results['backend']}.json") as f:
        soak.check_results(json.load(f))
    for steps in ("3", "5"):  # one sample; not whole epochs
        with pytest.raises(SystemExit):
            soak.parse_args(["--steps", steps, "--sample-every", "2"])


@pytest.mark.backend_independent
def test_images_benchmark_writes_every_field(tmp_path, judges):
    from benchmarks import images

    # Seeds 1 and 0 in two processes' worth of runs, pooled by --merge.
    common = ["--steps", "2", "--scored", "300"]
    results = images.main(["--seeds", "1", "--first-seed", "1", "--methods",
                           "plain", "--output", str(tmp_path / "1"),
                           *common])
    # The judge still reads digits after the 16x16 round trip.
    assert results["round_trip_accuracy"] >= 0.97
    images.main(["--seeds", "1", "--methods", "plain,recommended",
                 "--output", str(tmp_path / "0"), *common])
    assert len(judges) == 1
    images.main(["--merge", str(tmp_path / "1" / "images.partial.json"),
                 str(tmp_path / "0" / "images.json"), "--output",
                 str(tmp_path)])
    with open(tmp_path / "images.json") as f:
        saved = json.load(f)
    images.digits.check_results(saved, images.FIELDS, "images")
    assert saved["protocol"]["image_size"] == 16
    methods = saved["stacked16"]["methods"]
    assert [r["seed"] for r in methods["plain"]["runs"]] == [0, 1]
    assert [r["seed"] for r in methods["recommended"]["runs"]] == [0]
    for entry in methods.values():
        assert decode_8bit(entry["samples"]).shape == (64, 16, 16, 3)
        # The generator's updates, counted by its optimizer.
        assert [r["steps"] for r in entry["runs"]] == [2] * len(entry["runs"])
        assert all(r["finite_losses"] for r in entry["runs"])
    # The DCGAN's autoencoder and encoder trained beside it.
    history = methods["recommended"]["runs"][0]["history"]
    assert {"ae_loss", "consistency_loss"} <= set(history)
    assert (tmp_path / "images_samples_stacked16.png").stat().st_size
    from benchmarks import report

    assert "| plain | 2 |" in report.digits_table(saved, "stacked16")
    assert report.main(["--images", str(tmp_path / "images.json")]) == 0


@pytest.mark.backend_independent
def test_images_round_trip_keeps_the_digits():
    import keras_aegan as kag
    from benchmarks import images

    x, _ = kag.datasets.digits()
    up = images.upscale(x[:50].repeat(3, -1), 32)
    assert up.shape == (50, 32, 32, 3)
    assert up.min() >= -1.0 - 1e-5 and up.max() <= 1.0 + 1e-5
    back = images.downscale(up)
    assert back.shape == (50, 8, 8, 3)
    # Bilinear up then block means down: a slight blur of the same digit.
    assert np.abs(back[..., 0] - x[:50, ..., 0]).mean() < 0.2


@pytest.mark.backend_independent
def test_stability_map_runs_its_cells_in_shards_and_merges(tmp_path):
    from benchmarks import stability_map

    # --quick: one cell per method and dataset; two shards, then merged.
    for shard in ("0/2", "1/2"):
        stability_map.main(["--quick", "--shard", shard, "--output",
                            str(tmp_path / shard[0])])
    merged = stability_map.main(
        ["--merge", str(tmp_path / "0" / "stability_map.json"),
         str(tmp_path / "1" / "stability_map.partial.json"), "--output",
         str(tmp_path)])
    assert set(merged["cells"]) == {"grid", "stacked"}
    for dataset, by_method in merged["cells"].items():
        assert set(by_method) == {"plain", "recommended"}
        for cells in by_method.values():
            (cell,) = cells
            assert (cell["generator_lr"], cell["discriminator_lr"]) == (
                1e-3, 1e-3)
            assert set(stability_map.FIELDS[dataset]) <= set(cell)
            assert isinstance(cell["failed"], bool)
    table = stability_map.format_table(merged)
    assert "| plain |" in table and "/1 |" in table
    for method in ("plain", "recommended"):
        assert (tmp_path / f"stability_map_{method}.png").stat().st_size
    from benchmarks import report

    assert report.main(["--stability-map",
                        str(tmp_path / "stability_map.json")]) == 0
    with pytest.raises(SystemExit, match="there twice"):
        stability_map.main(["--merge", str(tmp_path / "stability_map.json"),
                            str(tmp_path / "stability_map.json"),
                            "--output", str(tmp_path / "again")])


@pytest.mark.backend_independent
@pytest.mark.parametrize("shard", ["2/2", "a/b", "1"])
def test_stability_map_refuses_a_bad_shard(shard):
    from benchmarks import stability_map

    with pytest.raises(SystemExit):
        stability_map.parse_args(["--shard", shard])


def test_a_stability_cell_trains_with_its_learning_rates(monkeypatch):
    import keras_aegan as kag
    from benchmarks import stability_map

    compiled = []
    real_compile = kag.StabilizedGAN.compile

    def compile(self, **kwargs):
        compiled.append(kwargs)
        return real_compile(self, **kwargs)

    monkeypatch.setattr(kag.StabilizedGAN, "compile", compile)
    cell = stability_map.run_cell("grid", "r3gan", 3e-4, 3e-3, 2)
    (kwargs,) = compiled
    for name, rate in (("generator_optimizer", 3e-4),
                       ("discriminator_optimizer", 3e-3)):
        assert float(kwargs[name].learning_rate) == pytest.approx(rate)
        assert kwargs[name].beta_1 == 0.5
    # The method's own settings stay.
    assert kwargs["adversarial_loss"] == "rpgan"
    assert (cell["generator_lr"], cell["discriminator_lr"]) == (3e-4, 3e-3)


@pytest.mark.backend_independent
def test_conditional_benchmark_pools_seeds_and_scores_each_class(tmp_path):
    from benchmarks import conditional

    for seed in ("0", "1"):
        conditional.main(["--steps", "5", "--seeds", "1", "--first-seed",
                          seed, "--methods", "acgan,keras_io", "--output",
                          str(tmp_path / seed)])
    merged = conditional.main(
        ["--merge", str(tmp_path / "0" / "conditional.json"),
         str(tmp_path / "1" / "conditional.partial.json"), "--output",
         str(tmp_path)])
    assert merged["protocol"]["seeds"] == 2
    assert 0.9 < merged["judge_accuracy"] <= 1.0
    assert 0 < merged["digits"]["frechet_floor"] < (
        merged["digits"]["class_frechet_floor"])
    for dataset in ("ring", "digits"):
        for method in ("acgan", "keras_io"):
            entry = merged[dataset]["methods"][method]
            assert [run["seed"] for run in entry["runs"]] == [0, 1]
            assert set(entry["summary"]) == set(conditional.FIELDS[dataset])
            assert all(run["steps"] == 5 for run in entry["runs"])
        assert (tmp_path / f"conditional_samples_{dataset}.png").stat(
            ).st_size
    # 8 samples of each class, stored as 8-bit images.
    samples = merged["digits"]["methods"]["acgan"]
    assert decode_8bit(samples["samples"]).shape == (80, 8, 8, 1)
    assert len(samples["sample_labels"]) == 80
    run = merged["digits"]["methods"]["acgan"]["runs"][0]
    assert len(run["class_accuracy"]) == 10
    # Five steps draw no digit on demand: about chance (10%).
    assert run["conditional_accuracy"] < 0.5
    table = conditional.markdown_table(merged, "ring")
    assert "| acgan | 2 |" in table and "| failed |" in table
    from benchmarks import report

    assert report.main(["--conditional",
                        str(tmp_path / "conditional.json")]) == 0
    with pytest.raises(SystemExit, match="Unknown methods"):
        conditional.main(["--methods", "cgan", "--output", str(tmp_path)])


@pytest.mark.backend_independent
def test_stored_samples_round_trip_as_8bit():
    images = np.linspace(-1, 1, 2 * 16 * 16 * 3).reshape(2, 16, 16, 3)
    stored = json.loads(json.dumps(encode_8bit(images)))
    pixels = decode_8bit(stored)
    assert pixels.dtype == np.uint8 and pixels.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(pixels / 127.5 - 1, images, atol=0.5 / 127.5)
    # Far smaller than the nested list of integers older files hold.
    assert len(json.dumps(stored)) < len(json.dumps(pixels.tolist())) / 2
    np.testing.assert_array_equal(decode_8bit(pixels.tolist()), pixels)


@pytest.mark.backend_independent
def test_headline_figure_from_stored_results(tmp_path):
    from benchmarks import headline

    def mixture_entry(failed):
        return {"runs": [{"seed": 0}], "samples_seed": 0,
                "samples": [[0.0, 1.0], [1.0, 0.0]],
                "centers": [[0.0, 1.0], [1.0, 0.0]],
                "summary": {"modes": {"mean": 2.0, "sem": 0.0},
                            "high_quality": {"mean": 0.9, "sem": 0.0},
                            "failed_runs": failed}}

    def digits_entry(samples):
        return {"runs": [{"seed": 0}], "samples": samples, "samples_seed": 0,
                "summary": {"class_kl": {"mean": 0.01, "sem": 0.0},
                            "frechet_distance": {"mean": 1.0, "sem": 0.0}}}

    mixtures = tmp_path / "mixtures.json"
    mixtures.write_text(json.dumps({
        dataset: {"plain": mixture_entry(1),
                  "recommended_ns_r1_ema": mixture_entry(0)}
        for dataset in ("ring", "grid")}))
    digits = tmp_path / "digits.json"
    digits.write_text(json.dumps({"digits": {"methods": {
        # Older files hold nested lists of 0-255, newer ones encode_8bit's.
        "plain": digits_entry(np.zeros((16, 8, 8, 1), "uint8").tolist()),
        "recommended_ns_r1_ema": digits_entry(
            encode_8bit(np.zeros((16, 8, 8, 1))))}}}))
    output = tmp_path / "headline.png"
    headline.main(["--mixtures", str(mixtures), "--digits", str(digits),
                   "--output", str(output)])
    assert output.stat().st_size > 10_000
    with pytest.raises(SystemExit, match="'wgan_gp'"):
        headline.main(["--mixtures", str(mixtures), "--default", "wgan_gp",
                       "--output", str(output)])

"""The documentation site covers the public API, and the benchmark page
shows the stored results.

Only the pages' code (test_the_code_on_the_page_runs) trains a model; the
other tests read files and are marked backend_independent (`make test`
runs them on one backend)."""

import json
import os
import re
import sys

import keras
import numpy as np
import pytest

import keras_aegan as kag

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import report  # noqa: E402

MODULES = [name for name in kag.__all__
           if name not in ("StabilizedGAN", "__version__")]


@pytest.mark.backend_independent
@pytest.mark.parametrize("module", MODULES)
def test_every_exported_name_is_in_the_api_reference(module):
    path = os.path.join(ROOT, "docs", "api", f"{module}.md")
    assert os.path.exists(path), f"docs/api/{module}.md is missing"
    with open(path) as f:
        documented = set(re.findall(
            rf"^::: keras_aegan\.{module}\.(\w+)\s*$", f.read(), re.M))
    exported = set(getattr(kag, module).__all__)
    assert exported - documented == set(), (
        f"add `::: keras_aegan.{module}.NAME` to docs/api/{module}.md")
    assert documented - exported == set(), "documented but not exported"


@pytest.mark.backend_independent
def test_every_api_page_is_in_the_site_navigation():
    with open(os.path.join(ROOT, "mkdocs.yml")) as f:
        config = f.read()
    for module in MODULES:
        assert f"api/{module}.md" in config, module


# The StabilizedGAN methods a user calls; the rest are Keras' own.
GAN_METHODS = ("compile", "fit", "generate")


def _public_objects():
    for module in MODULES:
        for name in getattr(kag, module).__all__:
            yield f"kag.{module}.{name}", getattr(getattr(kag, module), name)
    for name in GAN_METHODS:
        yield f"StabilizedGAN.{name}", getattr(kag.StabilizedGAN, name)


@pytest.mark.backend_independent
@pytest.mark.parametrize("name,obj", list(_public_objects()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_docstring_has_a_runnable_example(name, obj):
    # `make doctest` runs these `>>>` examples (CI, on JAX).
    doc = obj.__doc__ or ""
    assert ">>>" in doc, f"{name}: add an `Example:` with `>>>` lines"


@pytest.mark.backend_independent
def test_every_example_is_on_the_examples_page():
    with open(os.path.join(ROOT, "docs", "examples.md")) as f:
        page = f.read()
    scripts = sorted(os.listdir(os.path.join(ROOT, "examples")))
    missing = [s for s in scripts if s.endswith((".py", ".sh"))
               and f"`{s}`" not in page]
    assert missing == [], "describe these in docs/examples.md"


def _python_blocks(relative_path):
    with open(os.path.join(ROOT, relative_path)) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


# Pages a newcomer copies code from, run as written (in an empty folder)
# except for the number of epochs.
RUNNABLE_PAGES = {
    "docs/quickstart.md": {"epochs=60": "epochs=1"},
    "docs/index.md": {"epochs=20": "epochs=1"},
    "README.md": {"epochs=20": "epochs=1"},
}


@pytest.mark.parametrize("page", sorted(RUNNABLE_PAGES))
def test_the_code_on_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = "\n".join(_python_blocks(page))
    assert code, f"no ```python block in {page}"
    for old, new in RUNNABLE_PAGES[page].items():
        assert old in code, f"{page} no longer has {old!r}: update this test"
        code = code.replace(old, new)
    namespace = {}
    exec(compile(code, page, "exec"), namespace)
    samples, gan = namespace["samples"], namespace["gan"]
    assert samples.shape[1:] == gan.data_shape
    assert np.isfinite(samples).all()
    assert all(np.isfinite(v).all() for v in gan.history.history.values())
    assert (tmp_path / ("runs/gan.keras" if "quickstart" in page
                        else "gan.keras")).exists()


def _tables(text):
    """Markdown tables as lists of rows, each a list of stripped cells."""
    tables, rows = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            rows.append([c.strip() for c in cells])
        elif rows:
            tables.append(rows)
            rows = []
    return tables


@pytest.mark.backend_independent
@pytest.mark.parametrize("page", sorted(
    os.path.relpath(os.path.join(d, f), ROOT)
    for d, _, files in os.walk(os.path.join(ROOT, "docs"))
    for f in files if f.endswith(".md")) + ["README.md"])
def test_every_table_row_has_as_many_cells_as_its_header(page):
    with open(os.path.join(ROOT, page)) as f:
        tables = _tables(f.read())
    for rows in tables:
        bad = [r for r in rows if len(r) != len(rows[0])]
        assert bad == [], f"{page}: rows unlike the header {rows[0]}: {bad}"


def _stored(name):
    with open(os.path.join(ROOT, "docs", "benchmarks", f"{name}.json")) as f:
        return json.load(f)


BENCHMARK_PAGE = os.path.join(ROOT, "docs", "benchmarks_details.md")


@pytest.mark.backend_independent
def test_every_stored_result_file_stays_small():
    """The repository carries each result file whole: none may pass 2 MiB
    (sample images are stored compressed, see benchmarks/common.py)."""
    folder = os.path.join(ROOT, "docs", "benchmarks")
    sizes = {name: os.path.getsize(os.path.join(folder, name))
             for name in os.listdir(folder)
             if os.path.isfile(os.path.join(folder, name))}
    assert {n: s for n, s in sizes.items() if s > 2 * 2**20} == {}


def _benchmark_page():
    with open(BENCHMARK_PAGE) as f:
        return f.read()


@pytest.mark.backend_independent
def test_the_benchmark_tables_are_the_stored_results():
    """Each measured row of docs/benchmarks_details.md (and each per-seed
    line) is what benchmarks/report.py prints from the stored JSON, label
    aside."""
    page = _benchmark_page()
    refreshed = report.refresh_page(
        page, _stored("mixtures"), _stored("digits"), _stored("images"),
        _stored("stability_map"))
    stale = [(shown, stored) for shown, stored
             in zip(page.splitlines(), refreshed.splitlines(), strict=True)
             if shown != stored]
    assert stale == [], (
        "stale rows; run `python benchmarks/report.py --mixtures "
        "docs/benchmarks/mixtures.json --digits docs/benchmarks/digits.json "
        "--images docs/benchmarks/images.json --stability-map "
        "docs/benchmarks/stability_map.json "
        "--update-docs docs/benchmarks_details.md`")


def _edit(page, old, new):
    assert page.count(old) == 1, old
    return page.replace(old, new)


@pytest.mark.backend_independent
def test_the_report_refreshes_a_stale_page_and_names_what_it_cannot(
        tmp_path):
    mixtures, digits = _stored("mixtures"), _stored("digits")
    page = _benchmark_page()
    row = next(line for line in page.splitlines()
               if line.startswith("| **recommended (ours)** | 10 |"))
    per_seed = report.mixtures_per_seed(mixtures, "ring", "recommended")
    stale_mixtures = _edit(_edit(page, row, row.replace("| 10 |", "| 9 |", 1)),
                           per_seed, per_seed.replace("0: 8/8/", "0: 7/8/"))
    digits_row = next(line for line in page.splitlines()
                      if line.startswith("| plain | 10 | 10.00 ± 0.00 |"))
    stale = _edit(stale_mixtures, digits_row,
                  digits_row.replace("| 10 |", "| 9 |", 1))
    assert report.refresh_page(stale, mixtures, digits) == page
    # Only the tables of the results given are touched.
    assert report.refresh_page(stale, digits=digits) == stale_mixtures

    with pytest.raises(ValueError, match="two rows for 'recommended'"):
        report.refresh_page(_edit(page, row, row + "\n" + row), mixtures)
    with pytest.raises(ValueError, match=r"no row for the stored method\(s\) "
                                         r"\['recommended'\]"):
        report.refresh_page(_edit(page, row + "\n", ""), mixtures)
    with pytest.raises(ValueError, match="0 per-seed lines for 'recommended'"):
        report.refresh_page(_edit(page, per_seed + "\n", ""), mixtures)
    del mixtures["ring"]["recommended"]
    with pytest.raises(ValueError, match=r"row '\*\*recommended \(ours\)\*\*'"
                                         r" has no stored results"):
        report.refresh_page(page, mixtures)

    # The stability map's and the conv images' tables the same way.
    stability_map, images = _stored("stability_map"), _stored("images")
    map_section = page[page.index("**stability map**"):]
    map_row = next(line for line in map_section.splitlines()
                   if line.startswith("| recommended_ns_r1 "))
    stale_map = _edit(page, map_row, map_row.replace("/16 |", "/15 |"))
    assert report.refresh_page(
        stale_map, stability_map=stability_map) == page
    for by_method in stability_map["cells"].values():
        del by_method["plain"]
    with pytest.raises(ValueError, match="row 'plain' has no stored"):
        report.refresh_page(page, stability_map=stability_map)
    images_section = page[page.index("**stacked digits, 16x16x3**"):]
    images_row = next(line for line in images_section.splitlines()
                      if line.startswith("| plain |"))
    stale_images = _edit(page, images_row, images_row.replace(
        "| plain | ", "| plain | 99 ", 1))
    assert report.refresh_page(stale_images, images=images) == page

    copy = tmp_path / "benchmarks.md"
    copy.write_text(stale)
    paths = [os.path.join(ROOT, "docs", "benchmarks", f"{name}.json")
             for name in ("mixtures", "digits")]
    assert report.main(["--mixtures", paths[0], "--digits", paths[1],
                        "--update-docs", str(copy)]) == 0
    assert copy.read_text() == page
    with pytest.raises(SystemExit):  # no JSON to take the rows from
        report.main(["--update-docs", str(copy)])


def test_the_keras_io_porting_page_runs():
    """docs/guides/from_keras_io.md: the networks and the StabilizedGAN
    version on every backend, the tf.GradientTape recipe on TensorFlow;
    both log what the page says at the start (d_loss: the recipe's mean
    vs our sum of the real and fake terms)."""
    page = "docs/guides/from_keras_io.md"
    blocks = [b.replace("epochs=5", "epochs=1") for b in _python_blocks(page)]
    assert len(blocks) == 3 and "tf.GradientTape" in blocks[1]
    namespace = {}
    exec(compile(blocks[0], page, "exec"), namespace)
    if keras.backend.backend() == "tensorflow":
        exec(compile(blocks[1], page, "exec"), namespace)
        assert np.isfinite(namespace["recipe_history"].history["d_loss"]).all()
    exec(compile(blocks[2], page, "exec"), namespace)
    gan = namespace["gan"]
    assert isinstance(gan.adversarial_loss, kag.losses.NonSaturatingLoss)
    assert namespace["samples"].shape == (16, 8, 8, 1)
    assert np.isfinite(namespace["history"].history["d_loss"]).all()
    # An undecided discriminator: our d_loss is 2 ln 2, the recipe's ln 2.
    gan.discriminator.layers[-1].kernel.assign(
        np.zeros(gan.discriminator.layers[-1].kernel.shape))
    gan.discriminator.layers[-1].bias.assign(np.zeros(1))
    logs = gan.evaluate(namespace["x"][:64], batch_size=64, verbose=0,
                        return_dict=True)
    np.testing.assert_allclose(logs["d_loss"], 2 * np.log(2), rtol=1e-4)

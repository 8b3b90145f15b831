"""The documentation site covers the public API, and the benchmark page
shows the stored results."""

import json
import os
import re
import sys

import numpy as np
import pytest

import keras_aegan as kag

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import report  # noqa: E402

MODULES = [name for name in kag.__all__
           if name not in ("StabilizedGAN", "__version__")]


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


@pytest.mark.parametrize("name,obj", list(_public_objects()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_docstring_has_a_runnable_example(name, obj):
    # `make doctest` runs these `>>>` examples (CI, on JAX).
    doc = obj.__doc__ or ""
    assert ">>>" in doc, f"{name}: add an `Example:` with `>>>` lines"


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


def _first_table_after(text, marker):
    return _tables(text[text.index(marker):])[0]


def _method(label):
    """`**recommended** (ours)` -> `recommended`: the row's method key."""
    return label.replace("*", "").split(" ")[0]


BENCHMARK_TABLES = [  # (json file, kind, key, where its section starts)
    ("mixtures.json", "mixtures", "ring", "**ring** (K = 8;"),
    ("mixtures.json", "mixtures", "grid", "**grid** (K = 25;"),
    ("digits.json", "digits", "digits", "**digits**\n"),
    ("digits.json", "digits", "stacked", "**stacked digits**\n"),
]
SECTION_END = {"ring": "**grid** (K = 25;", "grid": "### Tuning"}


@pytest.mark.parametrize("source,kind,key,marker", BENCHMARK_TABLES)
def test_the_benchmark_tables_are_the_stored_results(source, kind, key,
                                                     marker):
    """Each measured row of docs/benchmarks.md (and each per-seed line) is
    what benchmarks/report.py prints from the stored JSON, label aside."""
    with open(os.path.join(ROOT, "docs", "benchmarks", source)) as f:
        results = json.load(f)
    with open(os.path.join(ROOT, "docs", "benchmarks.md")) as f:
        page = f.read()
    table = (report.mixtures_table(results, key) if kind == "mixtures"
             else report.digits_table(results, key))
    expected = sorted(row for row in _tables(table)[0][2:]
                      if not row[0].endswith("(published)"))
    shown = sorted([_method(row[0])] + row[1:]
                   for row in _first_table_after(page, marker)[2:]
                   if not row[0].endswith("(published)"))
    assert shown == expected
    if kind == "mixtures":
        section = page[page.index(marker):page.index(SECTION_END[key])]
        for method in results[key]:
            line = (f"Per seed, {method} (seed: modes/strict/HQ/KL): "
                    + report.mixtures_per_seed(results, key, method))
            assert f"\n{line}\n" in section, line

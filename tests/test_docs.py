"""The documentation site covers the public API."""

import os
import re

import pytest

import keras_aegan as kag

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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

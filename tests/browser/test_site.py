"""The documentation site as a reader sees it, in headless Chromium.

Builds the site (`mkdocs build --strict`, KaTeX included), serves it on
127.0.0.1 and opens the home page, a guide with formulas and the
benchmarks page in Debian's `chromium` (driven by Selenium through
`chromedriver`; `make docs-check` runs this, `.ci/run` installs both). From
the rendered DOM: every formula typeset (none left raw, no KaTeX error),
every image loaded, every link answered. Screenshots of each page go to
`site/screenshots/` (not committed).
"""

import functools
import http.server
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# page -> does it show formulas
PAGES = {"": True, "guides/consistency/": True, "benchmarks/": False,
         "benchmarks_details/": False}


def _missing_browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER)
               if not os.path.exists(path)]
    if missing:
        return (f"{missing} not found: install Debian's chromium and "
                "chromium-driver (apt-get install chromium chromium-driver), "
                "or set CHROMIUM and CHROMEDRIVER to their paths.")
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site, served on 127.0.0.1; yields its base URL."""
    directory = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
         "--site-dir", str(directory)],
        cwd=ROOT, check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(directory))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    problem = _missing_browser()
    if problem:
        raise RuntimeError(problem)
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # As root, on a closed network: no sandbox, no background connections.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600"):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(executable_path=CHROMEDRIVER),
        options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open(browser, url):
    """Loads `url` and waits until its images have settled and KaTeX (if
    the page has formulas) has run."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return document.readyState === 'complete'"
        " && Array.from(document.images).every(i => i.complete)"
        " && Array.from(document.querySelectorAll('.arithmatex'))"
        "      .every(e => e.querySelector('.katex'));"))


def _screenshot(browser, page):
    folder = os.path.join(ROOT, "site", "screenshots")
    os.makedirs(folder, exist_ok=True)
    name = page.strip("/").replace("/", "_") or "home"
    browser.save_screenshot(os.path.join(folder, f"{name}.png"))


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_formulas_and_images(site, browser, page):
    _open(browser, site + page)
    _screenshot(browser, page)
    state = browser.execute_script("""
        const text = document.querySelector('article').innerText;
        return {
          formulas: document.querySelectorAll('.arithmatex').length,
          typeset: document.querySelectorAll('.arithmatex .katex').length,
          errors: document.querySelectorAll('.katex-error').length,
          raw: ['\\\\(', '\\\\)', '\\\\[', '$$'].filter(d => text.includes(d)),
          images: Array.from(document.images).map(
            i => [i.getAttribute('src'), i.naturalWidth]),
        };""")
    if PAGES[page]:
        assert state["formulas"] > 0, "the page should show formulas"
    assert state["typeset"] == state["formulas"], state
    assert state["errors"] == 0
    assert state["raw"] == [], f"formulas left raw: {state['raw']}"
    broken = [src for src, width in state["images"] if width == 0]
    assert not broken, f"images that did not load: {broken}"


def test_no_link_is_broken(site, browser):
    checked, broken = set(), []
    for page in PAGES:
        _open(browser, site + page)
        links = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href]'))"
            ".map(a => a.href);")
        for link in links:
            url, fragment = urllib.parse.urldefrag(link)
            if not url.startswith(site) or (url, fragment) in checked:
                continue  # other hosts: the build machine is offline
            checked.add((url, fragment))
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    body = response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as error:
                broken.append(f"{page or 'home'} -> {link}: {error.code}")
                continue
            if fragment and url.endswith("/") and (
                    f'id="{fragment}"' not in body):
                broken.append(f"{page or 'home'} -> {link}: no #{fragment}")
    assert checked
    assert not broken, "\n".join(broken)


def test_browser_is_found_or_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", "/nonexistent")
    assert "apt-get install chromium chromium-driver" in _missing_browser()

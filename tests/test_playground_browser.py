"""The playground in a real headless Chromium, driven by Playwright: the page loads cleanly, play makes the
test loss fall, the controls take effect, a CSV trains, the exported model predicts what the page shows,
and a link restores a setup. Screenshots go to $GLASSNET_ARTIFACTS (or the test's temporary folder).

Playwright drives the system's Chromium (`make browser` installs Debian's); nothing downloads a browser.
Without Chromium or Playwright the tests are skipped.
"""

import base64
import os
import pathlib
import shutil

import numpy as np
import pytest

pytest.importorskip("aiohttp")
sync_api = pytest.importorskip("playwright.sync_api")

import glassnet  # noqa: E402
from glassnet.playground import data  # noqa: E402
from glassnet.playground.server import BackgroundServer  # noqa: E402

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (`make browser` installs it)")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def url():
    with BackgroundServer() as address:
        yield address


@pytest.fixture
def artefacts(tmp_path):
    folder = pathlib.Path(os.environ.get("GLASSNET_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url}"))
    page.base = url
    yield page
    context.close()


def open_page(page, fragment=""):
    page.goto(page.base + ("#" + fragment if fragment else ""))
    page.wait_for_function("() => state !== null && setup !== null")


def shown_loss(page):
    return float(page.inner_text("#test-loss"))


def test_play_makes_the_test_loss_fall_on_the_spiral(page, artefacts):
    open_page(page, "dataset=spiral&layers=8,8&features=x1,x2,x1sq,x2sq,sinx1,sinx2&noise=10&learning_rate=0.03")
    before = shown_loss(page)
    page.click("#play")
    page.wait_for_function("() => state.epoch >= 40", timeout=20_000)
    assert shown_loss(page) < before - 0.05
    page.click("#play")  # pause
    page.wait_for_function("() => !state.playing")
    page.screenshot(path=artefacts / "playground-spiral.png", full_page=True)
    assert page.problems == []


def test_controls_take_effect(page, artefacts):
    open_page(page, "dataset=circle&layers=4,2")
    assert page.locator("#nodes .node").count() == 7 + 4 + 2 + 1
    page.locator(".layer-controls button[title='Add a neuron']").first.click()
    page.wait_for_function("() => setup.sizes[1] === 5")
    assert page.locator("#nodes .node").count() == 7 + 5 + 2 + 1 and "layers=5%2C2" in page.url
    page.click("button.dataset[data-name='moons']")
    page.wait_for_function("() => setup.settings.dataset === 'moons'")
    page.select_option("#activation", "relu")
    page.wait_for_function("() => setup.settings.activations.join() === 'relu,relu'")
    page.click("#add-layer")
    page.wait_for_function("() => setup.sizes.length === 5")
    page.select_option("#problem", "regression")
    page.wait_for_function("() => setup.problem === 'regression'")
    assert page.inner_text("#layer-count") == "3 HIDDEN LAYERS"
    page.screenshot(path=artefacts / "playground-controls.png", full_page=True)
    assert page.problems == []


def test_a_link_restores_a_setup(page):
    fragment = ("dataset=three-clouds&layers=6,3&activations=gelu,tanh&optimizer=adam&learning_rate=0.01"
                "&noise=20&batch_size=17&show_test=true&features=x1,x2,x1x2")
    open_page(page, fragment)
    assert page.input_value("#optimizer") == "adam" and page.input_value("#learning_rate") == "0.01"
    assert page.input_value("#noise") == "20" and page.input_value("#batch_size") == "17"
    assert page.is_checked("#show_test")
    assert page.evaluate("setup.sizes") == [3, 6, 3, 3]
    assert page.evaluate("settings.activations") == ["gelu", "tanh"]
    assert page.problems == []


def test_a_bad_link_is_refused_with_a_message(page):
    open_page(page, "dataset=spiral&layers=99")
    assert "neurons in a layer must be an integer from 1 to 16" in page.inner_text("#banner")
    assert page.evaluate("settings.layers") == [4, 2]  # the defaults


def test_csv_upload_trains(page, tmp_path):
    rng = np.random.default_rng(3)
    points = rng.uniform(-1, 1, (300, 2))
    rows = [f"{x:.4f},{y:.4f},{'in' if x * x + y * y < 0.4 else 'out'}" for x, y in points]
    (tmp_path / "mine.csv").write_text("a,b,where\n" + "\n".join(rows) + "\n")
    open_page(page, "features=x1,x2,x1sq,x2sq&layers=4")
    page.set_input_files("#csv", str(tmp_path / "mine.csv"))
    page.wait_for_function("() => setup.settings.dataset === 'csv'")
    assert setup_classes(page) == ["in", "out"] and "dataset=csv" not in page.url
    before = shown_loss(page)
    page.click("#play")
    page.wait_for_function("() => state.epoch >= 30", timeout=20_000)
    assert shown_loss(page) < before
    assert page.problems == []


def setup_classes(page):
    return page.evaluate("setup.classes")


def test_exported_model_predicts_the_labels_the_page_shows(page, tmp_path):
    open_page(page, "dataset=xor&layers=4&features=x1,x2,x1x2&learning_rate=0.1")
    page.click("#play")
    page.wait_for_function("() => state.epoch >= 20", timeout=20_000)
    page.click("#play")
    page.wait_for_function("() => !state.playing")
    with page.expect_download() as download:
        page.click("#export-model")
    download.value.save_as(tmp_path / "page.glassnet")
    net = glassnet.load(tmp_path / "page.glassnet")
    # The page's output heatmap: grid x grid probabilities of class 1, one byte each, rows from x2 = +6 down.
    shown = np.frombuffer(base64.b64decode(page.evaluate("state.output.values")), dtype=np.uint8)
    grid = page.evaluate("setup.grid")
    axis = np.linspace(-6, 6, grid)
    plane = np.column_stack([np.tile(axis, grid), np.repeat(axis[::-1], grid)])
    p = net.predict_proba(data.features(plane, ["x1", "x2", "x1x2"]))[:, -1]
    confident = np.abs(p - 0.5) > 0.01  # the byte rounding decides nothing for these points
    assert confident.mean() > 0.9
    assert np.array_equal((shown >= 128)[confident], (p >= 0.5)[confident])
    assert np.abs(shown / 127.5 - 1 - (2 * p - 1)).max() <= 1 / 127.5 + 1e-9


def test_a_weight_shows_its_gradient_on_hover_and_is_edited_on_click(page):
    open_page(page, "dataset=gauss&layers=2")
    page.click("#step")
    page.wait_for_function("() => state.epoch === 1")
    link = page.locator("path.link").first
    link.dispatch_event("mouseenter")
    assert "gradient" in page.inner_text("#tooltip") and page.is_visible("#tooltip")
    link.dispatch_event("click")
    page.fill("#editor-value", "-2.5")
    page.press("#editor-value", "Enter")
    page.wait_for_function("() => state.weights[0].W[0][0] === -2.5")
    assert page.evaluate("getComputedStyle(document.querySelector('path.link')).stroke") == "rgb(245, 147, 34)"
    assert page.problems == []

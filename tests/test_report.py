"""The HTML report: its structure, and a real browser (headless Chromium) loading it cleanly."""

import base64
import json
import os
import re
import shutil
import subprocess

import pytest

from glassnet.cli import main

PROBE = """<script>
window.__problems = [];
window.addEventListener('error', function (e) {
  var what = e.message || (e.target && e.target.tagName ? e.target.tagName + ' failed to load' : 'error');
  window.__problems.push(String(what));
}, true);
['error', 'warn'].forEach(function (level) {
  var original = console[level];
  console[level] = function () {
    window.__problems.push('console.' + level + ': ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
});
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; });
  var pre = document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = JSON.stringify({images: images.length, loaded: loaded.length, problems: window.__problems});
  document.body.appendChild(pre);
});
</script>"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for name, extra in (("moons", []), ("diabetes", []), ("digits", ["--layers", "16"])):
        folder = tmp_path_factory.mktemp(name)
        assert main(["train", "--dataset", name, "--epochs", "3", "--out", str(folder), "--quiet", *extra]) == 0
        out[name] = folder
    return out


def _images(html):
    return re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', html)


def test_report_is_self_contained(runs):
    for folder in runs.values():
        html = (folder / "report.html").read_text()
        assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
        assert not re.search(r'(src|href)="(?!data:)', html)  # nothing fetched from files or the network
        assert "http://" not in html and "https://" not in html
        for b64, _ in _images(html):
            assert base64.b64decode(b64).startswith(b"\x89PNG\r\n\x1a\n")
        # Each embedded figure is also written beside the report.
        pngs = sorted(p for p in os.listdir(folder) if p.endswith(".png"))
        assert len(pngs) == len(_images(html)) >= 3
        assert sorted(base64.b64decode(b) for b, _ in _images(html)) == sorted((folder / p).read_bytes() for p in pngs)


def test_report_sections_follow_the_task_and_data(runs):
    moons = (runs["moons"] / "report.html").read_text()
    titles = [alt for _, alt in _images(moons)]
    assert titles == ["Loss per epoch", "Accuracy per epoch", "Confusion matrix (validation set)", "Decision regions"]
    assert "Per-class precision and recall" in moons and "<td>upper</td>" in moons
    diabetes = (runs["diabetes"] / "report.html").read_text()
    titles = [alt for _, alt in _images(diabetes)]
    assert "Predicted against true (validation set)" in titles and "Confusion matrix" not in diabetes
    digits = (runs["digits"] / "report.html").read_text()
    assert "First layer&#x27;s weights as images" in digits
    for page in (moons, diabetes, digits):
        for section in ("Hyperparameters", "Data", "Environment", "scikit-learn", "training time", "learning_rate"):
            assert section in page
    metrics = json.loads((runs["diabetes"] / "metrics.json").read_text())
    assert f"{metrics['validation']['r2']:.4f}" in diabetes


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("headless Chromium is not installed (`make test` installs Debian's chromium package when it can)")


def _load_in_browser(page, tmp_path):
    """Open ``page`` (a file) in headless Chromium with the probe script; returns the probe's record."""
    html = page.read_text()
    probed = tmp_path / ("probed-" + page.name)
    probed.write_text(html.replace("<head>", "<head>" + PROBE, 1))
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
           probed.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"Chromium did not run the page (exit {done.returncode}): {done.stderr[-2000:]}"
    record = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    record["uncaught"] = [line for line in done.stderr.splitlines() if "Uncaught" in line]
    return record


def test_probe_notices_broken_pages(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head></head><body><img src="data:image/png;base64,AAAA" alt="x">'
                   '<img src="data:image/png;base64,' + base64.b64encode(b"\x89PNG").decode() + '" alt="y">'
                   "<script>undefinedFunction();</script></body></html>")
    record = _load_in_browser(bad, tmp_path)
    assert record["images"] == 2 and record["loaded"] == 0
    assert any("undefinedFunction" in p for p in record["problems"])


@pytest.mark.parametrize("name", ["moons", "diabetes", "digits"])
def test_report_loads_in_headless_chromium(runs, tmp_path, name):
    record = _load_in_browser(runs[name] / "report.html", tmp_path)
    assert record["problems"] == [] and record["uncaught"] == []
    assert record["images"] >= 3 and record["loaded"] == record["images"]


LAYOUT = """<script>
window.addEventListener('load', function () {
  // what is seen of each table and figure: a table wider than its scrolling box shows that box
  var boxes = Array.prototype.slice.call(document.querySelectorAll('table, figure')).map(function (e) {
    var box = e.parentElement && getComputedStyle(e.parentElement).overflowX === 'auto' ? e.parentElement : e;
    return box.getBoundingClientRect();
  });
  var overlaps = 0;
  for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i], b = boxes[j];
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps++;
  }
  // the right edge of everything outside a horizontally scrolling box (wide tables scroll in theirs)
  var right = 0;
  document.querySelectorAll('body *').forEach(function (e) {
    for (var p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX === 'auto') return;
    right = Math.max(right, e.getBoundingClientRect().right);
  });
  window.parent.postMessage(JSON.stringify({width: window.innerWidth, right: right, overlaps: overlaps}), '*');
});
</script>"""

# Headless Chromium's window is at least 500 px wide: narrower widths are an iframe of that width,
# which is the page's viewport as a phone's screen would be.
FRAME = """<!DOCTYPE html><html><body style="margin:0"><iframe src="{src}" width="{width}" height="1200"
style="border:0"></iframe><script>
window.addEventListener('message', function (e) {{
  var pre = document.createElement('pre'); pre.id = 'layout-result'; pre.textContent = e.data;
  document.body.appendChild(pre);
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def long_path_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("a-folder-with-a-rather-long-name-that-users-do-have" * 2)
    path = folder / "measurements_of_the_second_quarter_with_every_sensor_included.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 7},{i % 5},{'x' if i % 3 else 'y'}\n" for i in range(60)))
    out = folder / "out"
    assert main(["train", "--csv", str(path), "--target", "label", "--epochs", "3", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.mark.parametrize("width", [390, 800, 1440])
def test_report_reads_well_from_a_phone_to_a_wide_screen(long_path_run, tmp_path, width):
    """No table or figure overlaps another and nothing pushes the page wider than the window, even with a
    long CSV path in the data table."""
    page = tmp_path / "layout.html"
    page.write_text((long_path_run / "report.html").read_text().replace("<head>", "<head>" + LAYOUT, 1))
    frame = tmp_path / "frame.html"
    frame.write_text(FRAME.format(src=page.name, width=width))
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={max(width, 1000) + 40},1300",
           "--virtual-time-budget=10000", "--dump-dom", frame.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="layout-result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"Chromium did not run the page (exit {done.returncode}): {done.stderr[-2000:]}"
    layout = json.loads(match.group(1).replace("&quot;", '"'))
    assert layout["width"] == width and layout["right"] <= width and layout["overlaps"] == 0


def test_report_names_the_kept_epoch_the_command_and_the_layers(runs):
    html = (runs["digits"] / "report.html").read_text()
    metrics = json.loads((runs["digits"] / "metrics.json").read_text())
    assert f"the model keeps the weights of epoch {metrics['best_epoch']}" in html
    assert "<code>glassnet train --dataset digits --epochs 3 --out " in html and " UTC" in html
    assert "<h2>Layers</h2>" in html and "<td>Dense</td><td>16</td><td>1040</td>" in html
    assert "weights kept (epoch" not in html  # in the figures, not the text
    assert "the first" not in html and "all 16 hidden units" in html

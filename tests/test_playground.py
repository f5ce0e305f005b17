"""The playground's server: every command, every bad input refused with a 4xx message, the model file
and the code it exports, the data it generates, and the command line."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

pytest.importorskip("aiohttp")

import glassnet  # noqa: E402
from glassnet.playground import data, server, session  # noqa: E402
from glassnet.playground.server import BackgroundServer  # noqa: E402
from glassnet.playground.settings import MAX_LAYERS, MAX_NEURONS, Settings  # noqa: E402


@pytest.fixture(scope="module")
def url():
    with BackgroundServer() as address:
        yield address


def call(url, path, body=None, method=None, raw=None):
    """(status, parsed JSON or bytes) of a request."""
    data_ = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url + path, data=data_, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload, status, kind = response.read(), response.status, response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        payload, status, kind = exc.read(), exc.code, exc.headers["Content-Type"]
    return status, (json.loads(payload) if kind.startswith("application/json") else payload)


OPEN = []


@pytest.fixture(autouse=True)
def close_sessions(url):
    yield
    while OPEN:
        call(url, f"api/sessions/{OPEN.pop()}", method="DELETE")


def new_session(url, **settings):
    status, reply = call(url, "api/sessions", {"settings": settings})
    assert status == 200, reply
    OPEN.append(reply["id"])
    return reply["id"]


def command(url, sid, name, **extra):
    status, reply = call(url, f"api/sessions/{sid}/command", {"command": name, **extra})
    assert status == 200, reply
    return reply["result"]


def state(url, sid):
    return call(url, f"api/sessions/{sid}/state")[1]


def wait_for(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_play_trains_through_fit_and_pause_stops(url):
    sid = new_session(url, dataset="spiral", layers=[8, 8], features=["x1", "x2", "x1sq", "x2sq", "sinx1", "sinx2"])
    start = state(url, sid)
    assert start["epoch"] == 0 and not start["playing"]
    command(url, sid, "play")
    later = wait_for(lambda: (s := state(url, sid))["epoch"] >= 30 and s)
    assert later["playing"] and later["train_loss"] < start["train_loss"]
    command(url, sid, "pause")
    paused = state(url, sid)["epoch"]
    time.sleep(0.3)
    assert state(url, sid)["epoch"] == paused and not state(url, sid)["playing"]
    command(url, sid, "step")
    wait_for(lambda: state(url, sid)["epoch"] == paused + 1)
    time.sleep(0.2)
    assert state(url, sid)["epoch"] == paused + 1  # one epoch per step
    command(url, sid, "reset")
    assert state(url, sid)["epoch"] == 0


def test_events_stream_setup_then_states(url):
    sid = new_session(url, dataset="xor", layers=[3])
    with urllib.request.urlopen(url + f"api/sessions/{sid}/events", timeout=10) as stream:
        kinds = []
        command(url, sid, "play")
        while kinds.count("state") < 5:
            line = stream.readline().decode()
            if line.startswith("event:"):
                kinds.append(line.split(":", 1)[1].strip())
            elif line.startswith("data:") and kinds[-1] == "setup":
                setup = json.loads(line[5:])
    command(url, sid, "pause")
    assert kinds[0] == "setup" and set(kinds[1:]) == {"state"}
    assert setup["sizes"] == [2, 3, 1] and setup["classes"] == ["0", "1"]
    n_train = len(setup["points"]["train"])
    assert n_train == 250 and len(setup["points"]["test"]) == 250  # TensorFlow Playground's 500 at 50%


def test_state_holds_heatmaps_weights_and_gradients(url):
    sid = new_session(url, dataset="circle", layers=[4, 2])
    command(url, sid, "step")
    s = wait_for(lambda: (s := state(url, sid))["epoch"] == 1 and s)
    assert [len(layer) for layer in s["neurons"]] == [4, 2]
    assert len(data_bytes(s["output"]["values"])) == session.GRID ** 2
    assert len(data_bytes(s["neurons"][0][0])) == 20 * 20
    assert np.shape(s["weights"][0]["W"]) == (2, 4) and np.shape(s["weights"][0]["dW"]) == (2, 4)
    assert np.shape(s["weights"][2]["W"]) == (2, 1)
    assert any(abs(g) > 0 for row in s["weights"][0]["dW"] for g in row)  # the last batch's gradient


def data_bytes(b64):
    import base64

    return base64.b64decode(b64)


def test_settings_apply_while_training_or_rebuild(url):
    sid = new_session(url, dataset="gauss", layers=[2])
    command(url, sid, "step")
    wait_for(lambda: state(url, sid)["epoch"] == 1)
    result = command(url, sid, "set", settings={"learning_rate": 0.1, "regularization": "l2", "regularization_rate": 0.01})
    assert result["learning_rate"] == 0.1 and state(url, sid)["epoch"] == 1  # kept training state
    command(url, sid, "set", settings={"layers": [5, 3]})
    s = state(url, sid)
    assert s["epoch"] == 0 and [len(layer) for layer in s["neurons"]] == [5, 3]
    result = command(url, sid, "set", settings={"activations": ["relu", "gelu"], "optimizer": "adam", "dropout": 0.2})
    assert result["activations"] == ["relu", "gelu"]
    command(url, sid, "step")
    wait_for(lambda: state(url, sid)["epoch"] == 1)


def test_l1_drives_weights_to_exact_zeros(url):
    sid = new_session(url, dataset="gauss", layers=[8], regularization="l1", regularization_rate=0.3, learning_rate=0.1)
    command(url, sid, "play")
    wait_for(lambda: state(url, sid)["epoch"] >= 20)
    command(url, sid, "pause")
    W = np.array(state(url, sid)["weights"][0]["W"])
    assert (W == 0).sum() >= W.size // 2


def test_weight_edit_gradcheck_and_predict(url):
    sid = new_session(url, dataset="circle", layers=[3])
    command(url, sid, "weight", layer=0, param="W", row=1, col=2, value=1.5)
    command(url, sid, "weight", layer=1, param="b", row=0, col=0, value=-0.25)
    s = state(url, sid)
    assert s["weights"][0]["W"][1][2] == 1.5 and s["weights"][1]["b"][0] == -0.25
    result = command(url, sid, "gradcheck")
    assert result["worst_relative_error"] < 1e-5 and result["entries"] == 13
    labels = command(url, sid, "predict", points=[[0, 0], [5, 5]])
    assert all(label in (0, 1) for label in labels)


def test_three_classes_use_softmax(url):
    sid = new_session(url, dataset="three-clouds", layers=[6], optimizer="adam", learning_rate=0.03)
    command(url, sid, "play")
    wait_for(lambda: state(url, sid)["epoch"] >= 15)
    command(url, sid, "pause")
    s = state(url, sid)
    assert "labels" in s["output"] and len(s["output"]["nodes"]) == 3
    assert s["test_loss"] < 0.5  # log(3) = 1.1 at chance
    predicted = command(url, sid, "predict", points=[[0, -2], [2, 2], [-2, 2]])
    assert predicted == [0, 1, 2]


def test_exported_model_predicts_what_the_page_shows(url, tmp_path):
    sid = new_session(url, dataset="xor", layers=[4], features=["x1", "x2", "x1x2"], learning_rate=0.1)
    command(url, sid, "play")
    wait_for(lambda: state(url, sid)["epoch"] >= 10)
    command(url, sid, "pause")
    status, body = call(url, f"api/sessions/{sid}/model")
    assert status == 200
    (tmp_path / "m.glassnet").write_bytes(body)
    net = glassnet.load(tmp_path / "m.glassnet")
    points = np.random.default_rng(0).uniform(-6, 6, (200, 2))
    shown = command(url, sid, "predict", points=points.tolist())
    assert net.predict(data.features(points, ["x1", "x2", "x1x2"])).ravel().tolist() == shown


def test_exported_code_retrains_to_the_pages_weights(url, tmp_path):
    sid = new_session(url, dataset="xor", layers=[5], activations=["relu"], batch_size=20, dropout=0.1,
                      optimizer="adam", learning_rate=0.01, regularization="l2", regularization_rate=0.01)
    for epoch in (1, 2, 3):
        command(url, sid, "step")
        wait_for(lambda: state(url, sid)["epoch"] == epoch)
    (tmp_path / "page.glassnet").write_bytes(call(url, f"api/sessions/{sid}/model")[1])
    status, code = call(url, f"api/sessions/{sid}/code")
    assert status == 200
    script = tmp_path / "playground.py"
    script.write_bytes(code.replace(b"epochs=100", b"epochs=3"))
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "test loss" in run.stdout
    retrained, page = glassnet.load(tmp_path / "playground.glassnet"), glassnet.load(tmp_path / "page.glassnet")
    np.testing.assert_array_equal(retrained.flat_params, page.flat_params)  # same data, init, batches, masks


CSV = "x,y,label\n" + "\n".join(f"{x:.3f},{y:.3f},{'yes' if x * y > 0 else 'no'}"
                                 for x, y in np.random.default_rng(1).uniform(-3, 3, (200, 2)))


def test_csv_upload_trains(url):
    sid = new_session(url)
    status, reply = call(url, f"api/sessions/{sid}/upload?problem=classification", raw=CSV.encode())
    assert status == 200 and reply["rows"] == 200 and reply["result"]["dataset"] == "csv"
    command(url, sid, "set", settings={"features": ["x1", "x2", "x1x2"], "layers": [4]})
    command(url, sid, "play")
    wait_for(lambda: state(url, sid)["epoch"] >= 10)
    command(url, sid, "pause")
    assert state(url, sid)["test_loss"] < 0.6


def test_csv_regression_values_are_scaled():
    X, y, classes, scaling = data.parse_csv("a,b,v\n" + "\n".join(f"{i},{i % 7},{3 * i}" for i in range(20)), "regression")
    assert classes is None and y.min() == -1 and y.max() == 1 and X.min() == -5 and X.max() == 5
    assert scaling["y_span"] == 57


BAD_CSV = [
    ("1,2,a\n", "at least 10 data rows"),
    ("x,y,l\n" + "1,2\n" * 12, "has 2 columns"),
    ("x,y,l\n" + "1,two,a\n" * 12, "expected a finite number"),
    ("x,y,l\n" + "".join(f"{i},1,{i}\n" for i in range(12)), "classes"),
    ("x,y,l\n" + "1,nan,a\n" * 12, "finite number"),
]


@pytest.mark.parametrize("text, message", BAD_CSV)
def test_bad_csv_refused(url, text, message):
    sid = new_session(url)
    status, reply = call(url, f"api/sessions/{sid}/upload?problem=classification", raw=text.encode())
    assert status == 400 and message in reply["error"]
    assert state(url, sid)["epoch"] == 0  # the session goes on


def test_oversized_and_non_utf8_uploads_refused(url):
    sid = new_session(url)
    status, reply = call(url, f"api/sessions/{sid}/upload", raw=b"1,2,3\n" * 200_000)
    assert status == 413 and "error" in reply
    status, reply = call(url, f"api/sessions/{sid}/upload", raw=b"\xff\xfe\x00bad" * 10)
    assert status == 400 and "UTF-8" in reply["error"]


BAD_SETTINGS = [
    ({"dataset": "mnist"}, "dataset must be one of"),
    ({"dataset": "plane"}, "not a classification set"),
    ({"noise": 51}, "noise must be an integer from 0 to 50"),
    ({"noise": "5"}, "noise must be an integer"),
    ({"train_percent": 5}, "train_percent"),
    ({"layers": [0]}, "neurons in a layer must be an integer from 1"),
    ({"layers": [MAX_NEURONS + 1]}, f"from 1 to {MAX_NEURONS}"),
    ({"layers": [2] * (MAX_LAYERS + 1)}, f"at most {MAX_LAYERS} hidden layers"),
    ({"layers": "4,2"}, "layers must be a list"),
    ({"layers": [2, 2], "activations": ["tanh"]}, "one name per hidden layer"),
    ({"activations": ["tanh", "softmax"]}, "activation must be one of"),
    ({"features": []}, "at least one"),
    ({"features": ["x3"]}, "feature must be one of"),
    ({"features": ["x1", "x1"]}, "at most once"),
    ({"learning_rate": 0}, "learning_rate must be a number from"),
    ({"learning_rate": float("inf")}, "learning_rate"),
    ({"learning_rate": True}, "learning_rate"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"batch_size": 0}, "batch_size"),
    ({"regularization": "l3"}, "regularization must be one of"),
    ({"regularization_rate": -1}, "regularization_rate"),
    ({"dropout": 1.0}, "dropout must be a number from 0 to 0.9"),
    ({"show_test": "yes"}, "show_test must be true or false"),
    ({"epochs": 10}, "unknown setting"),
    ([1, 2], "must be a JSON object"),
]


@pytest.mark.parametrize("given, message", BAD_SETTINGS)
def test_bad_settings_refused(url, given, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Settings.from_dict(given)
    status, reply = call(url, "api/sessions", {"settings": given})
    assert status == 400 and message in reply["error"]


def test_bad_requests_refused_and_server_goes_on(url):
    sid = new_session(url)
    cases = [
        (f"api/sessions/{sid}/command", b"{not json", 400, "JSON"),
        (f"api/sessions/{sid}/command", b"[1]", 400, "JSON object"),
        (f"api/sessions/{sid}/command", b'{"command": "rm -rf"}', 400, "command must be one of"),
        (f"api/sessions/{sid}/command", b'{"command": "set", "settings": {"noise": -1}}', 400, "noise"),
        (f"api/sessions/{sid}/command", b'{"command": "weight", "layer": 0, "param": "W", "row": 9, "col": 0, '
                                        b'"value": 1}', 400, "outside layer 0"),
        (f"api/sessions/{sid}/command", b'{"command": "weight", "layer": 7, "param": "W", "row": 0, "col": 0, '
                                        b'"value": 1}', 400, "layer must be from 0"),
        (f"api/sessions/{sid}/command", b'{"command": "weight", "layer": 0, "param": "W", "row": 0, "col": 0, '
                                        b'"value": 1e9}', 400, "value must be a finite number"),
        (f"api/sessions/{sid}/command", b'{"command": "weight", "layer": 0, "param": "X", "row": 0, "col": 0, '
                                        b'"value": 1}', 400, "param must be"),
        (f"api/sessions/{sid}/command", b'{"command": "predict", "points": [[1]]}', 400, "points must be"),
        (f"api/sessions/{sid}/command", b'{"command": "predict", "points": "all"}', 400, "points must be"),
        (f"api/sessions/{sid}/upload?problem=ranking", b"1,2,3", 400, "problem must be one of"),
        ("api/sessions/nope/command", b'{"command": "play"}', 404, "no session"),
        ("api/nothing", b"", 404, "Not Found"),
        ("api/sessions", b'{"settings": {"dataset": "csv"}}', 400, "needs an uploaded file"),
    ]
    for path, body, status, message in cases:
        got, reply = call(url, path, raw=body)
        assert (got, message in reply["error"]) == (status, True), (path, body, got, reply)
    assert state(url, sid)["epoch"] == 0


def test_sessions_are_bounded_and_can_be_closed(url):
    made = [new_session(url) for _ in range(server.MAX_SESSIONS)]  # older ones are still being watched or fresh
    status, reply = call(url, "api/sessions", {"settings": {}})
    assert status == 503 and "sessions" in reply["error"]
    for sid in made:
        assert call(url, f"api/sessions/{sid}", method="DELETE")[0] == 200
        OPEN.remove(sid)
    assert call(url, f"api/sessions/{made[0]}/state")[0] == 404
    new_session(url)


def test_page_and_its_files_are_served(url):
    status, page = call(url, "")
    assert status == 200 and b"static/app.js" in page and b"http" not in page.replace(b"http-equiv", b"")
    for name in ("app.js", "style.css"):
        status, body = call(url, f"static/{name}")
        body = body.replace(b'"http://www.w3.org/2000/svg"', b"")  # a namespace name, not an address
        assert status == 200 and b"https://" not in body and b"http://" not in body


@pytest.mark.parametrize("name", list(data.GENERATORS))
def test_generated_sets_lie_on_the_plane(name):
    n = 300
    X, y = data.generate(name, n, 0.1, np.random.default_rng(0))
    assert X.shape[1] == 2 and len(X) == len(y) and np.abs(X).max() < data.RADIUS + 2
    if data.GENERATORS[name][1] == "regression":
        assert y.min() >= -1 and y.max() <= 1 and np.ptp(y) > 0.5
    else:
        assert set(np.unique(y)) == set(range(3 if name == "three-clouds" else 2))
    again, _ = data.generate(name, n, 0.1, np.random.default_rng(0))
    assert np.array_equal(X, again)  # a seed reproduces a set


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_command_line_prints_address_and_stops_cleanly(stop):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "glassnet.cli", "playground", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("glassnet playground: http://127.0.0.1:"), line
        address = line.split()[2]
        with urllib.request.urlopen(address, timeout=10) as response:
            assert response.status == 200
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "stopped" in out and "Traceback" not in err


def test_command_line_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "glassnet.cli", "playground", "--port", str(port)],
                             capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip() == (f"glassnet: error: port {port} on 127.0.0.1 is already in use; choose another "
                                  "with --port N (--port 0 picks a free one)")


def test_one_rbf_neuron_draws_its_path_on_the_loss_surface(url, tmp_path):
    sid = new_session(url, dataset="rbf-1d", layers=[4, 4], learning_rate=1.0, batch_size=30)
    s = state(url, sid)
    assert s["surface_point"] == [2.3, 1.4] and np.shape(s["weights"][0]["W"]) == (1, 1)
    command(url, sid, "play")
    wait_for(lambda: state(url, sid)["epoch"] >= 20)
    command(url, sid, "pause")
    after = state(url, sid)
    assert after["surface_point"] != [2.3, 1.4] and after["train_loss"] < s["train_loss"]
    status, reply = call(url, f"api/sessions/{sid}/command",
                         {"command": "weight", "layer": 0, "param": "b", "row": 0, "col": 0, "value": 1})
    assert status == 400 and "no 'b' parameter" in reply["error"]
    status, code = call(url, f"api/sessions/{sid}/code")
    (tmp_path / "rbf.py").write_bytes(code.replace(b"epochs=100", b"epochs=2"))
    run = subprocess.run([sys.executable, "rbf.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert glassnet.load(tmp_path / "playground.glassnet").n_params == 2


def test_a_session_nobody_watches_is_ended(monkeypatch):
    monkeypatch.setattr(server, "IDLE_SECONDS", 0.3)
    monkeypatch.setattr(server, "SWEEP_SECONDS", 0.1)
    with BackgroundServer() as address:
        sid = call(address, "api/sessions", {"settings": {}})[1]["id"]
        command(address, sid, "play")
        with urllib.request.urlopen(address + f"api/sessions/{sid}/events", timeout=10) as stream:
            stream.readline()
            time.sleep(0.6)
            assert call(address, f"api/sessions/{sid}/state")[0] == 200  # watched: kept
        time.sleep(1.5)  # unwatched and unasked (any request counts as seeing it)
        assert call(address, f"api/sessions/{sid}/state")[0] == 404


def test_divergence_stops_play_with_a_message(url):
    sid = new_session(url, dataset="plane", problem="regression", layers=[8, 8], activations=["relu", "relu"],
                      learning_rate=10.0)
    command(url, sid, "play")
    s = wait_for(lambda: (s := state(url, sid))["message"] and s)
    assert "diverged" in s["message"] and "learning rate" in s["message"] and not s["playing"]
    command(url, sid, "set", settings={"learning_rate": 0.01})
    command(url, sid, "reset")
    command(url, sid, "step")
    wait_for(lambda: state(url, sid)["epoch"] == 1 and state(url, sid)["train_loss"] is not None)

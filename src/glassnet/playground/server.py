"""The playground's web server (aiohttp): the page, a JSON API of commands, and a stream of states.

    GET  /                              the page (static files ship in the package: no CDN)
    POST /api/sessions                  {"settings": {...}} -> {"id", "settings"}: a new training state
    GET  /api/sessions/ID/events        server-sent events: "setup" (data, layout), "state" (each epoch)
    POST /api/sessions/ID/command       {"command": "play" | "pause" | "step" | "reset" | "set" | "weight"
                                        | "gradcheck" | "predict", ...}
    POST /api/sessions/ID/upload        a CSV file's text (x1, x2, label or value), ?problem=...
    GET  /api/sessions/ID/state         the latest state (what the page last drew)
    GET  /api/sessions/ID/model         the trained network as a glassnet model file
    GET  /api/sessions/ID/code          Python that rebuilds and retrains the same setup
    DELETE /api/sessions/ID             end the session

Every request is checked; a bad one gets a 4xx answer ``{"error": message}`` and the server goes on.
Sessions are bounded (``MAX_SESSIONS``); one nobody has watched for ``IDLE_SECONDS`` is ended. Nothing a
page sends is executed: settings are checked values that choose rows of fixed tables.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import json
import math
import secrets
import threading
import time
from importlib import resources

from aiohttp import web

from .code import python_code
from .data import MAX_CSV_BYTES, parse_csv
from .session import Session, export_bytes
from .settings import Settings

MAX_SESSIONS = 8
IDLE_SECONDS = 60
SWEEP_SECONDS = 10
COMMAND_SECONDS = 60          # the longest a command may wait for its session's worker
MAX_BODY_BYTES = MAX_CSV_BYTES + 4096
MAX_PREDICT_POINTS = 10_000
STATIC = resources.files("glassnet.playground") / "static"


class Hub:
    """Sessions by id, and the event streams watching each."""

    def __init__(self, loop):
        self.loop = loop
        self.sessions: dict[str, Session] = {}
        self.watchers: dict[str, set] = {}
        self.last_seen: dict[str, float] = {}
        self.starting = 0
        self.closing = False

    async def create(self, settings) -> str:
        self.evict()
        if len(self.sessions) + self.starting >= MAX_SESSIONS:
            raise _refuse(web.HTTPServiceUnavailable,
                          f"the playground already holds {MAX_SESSIONS} sessions; close a tab and retry.")
        sid = secrets.token_urlsafe(12)
        self.starting += 1
        try:  # building data and network (the loss surface, for one example) off the event loop
            session = await self.loop.run_in_executor(
                None, Session, settings, lambda message: self._from_worker(sid, message))
        finally:
            self.starting -= 1
        self.watchers[sid] = set()
        self.last_seen[sid] = time.monotonic()
        self.sessions[sid] = session
        return sid

    def _from_worker(self, sid, message):
        self.loop.call_soon_threadsafe(self._deliver, sid, message)

    def _deliver(self, sid, message):
        text = json.dumps(message, separators=(",", ":"))
        for watcher in self.watchers.get(sid, ()):
            watcher.offer(message["type"], text)

    def evict(self):
        now = time.monotonic()
        for sid in [s for s in self.sessions if not self.watchers[s] and now - self.last_seen[s] > IDLE_SECONDS]:
            self.close(sid)

    def close(self, sid):
        session = self.sessions.pop(sid, None)
        if session is not None:
            session.close()
        for watcher in self.watchers.pop(sid, ()):
            watcher.offer("end", None)
        self.last_seen.pop(sid, None)

    def get(self, request) -> tuple[str, Session]:
        sid = request.match_info["sid"]
        if sid not in self.sessions:
            raise _refuse(web.HTTPNotFound, f"no session {sid!r} (it ended or the server restarted); reload the page.")
        self.last_seen[sid] = time.monotonic()
        return sid, self.sessions[sid]


HUB = web.AppKey("hub", Hub)
SWEEPER = web.AppKey("sweeper", asyncio.Task)


async def sweep(hub):
    """End sessions nobody has watched for IDLE_SECONDS (a closed tab's training stops with it)."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        hub.evict()


class Watcher:
    """One event stream: holds only the newest message of each type, so a slow page skips states
    rather than falling behind."""

    def __init__(self):
        self.pending: dict[str, str | None] = {}
        self.ready = asyncio.Event()

    def offer(self, kind, text):
        if kind == "setup":
            self.pending.pop("state", None)
        self.pending[kind] = text
        self.ready.set()

    async def next(self):
        await self.ready.wait()
        self.ready.clear()
        out, self.pending = self.pending, {}
        return [(kind, out[kind]) for kind in ("setup", "state", "end") if kind in out]


def _error(message) -> str:
    return json.dumps({"error": message})


def _refuse(cls, message):
    return cls(text=_error(message), content_type="application/json")


async def _json_body(request) -> dict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _refuse(web.HTTPBadRequest, "the request body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise _refuse(web.HTTPBadRequest, f"the request body must be a JSON object, got {type(body).__name__}.")
    return body


def _settings(given, base=None) -> Settings:
    try:
        return Settings.from_dict(given if given is not None else {}, base)
    except ValueError as exc:
        raise _refuse(web.HTTPBadRequest, str(exc)) from None


async def _wait(future):
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), COMMAND_SECONDS)
    except (ValueError, TypeError) as exc:
        raise _refuse(web.HTTPBadRequest, str(exc)) from None
    except asyncio.TimeoutError:
        raise _refuse(web.HTTPServiceUnavailable, "the session is busy; try again.") from None


async def index(request):
    return web.Response(text=(STATIC / "index.html").read_text(encoding="utf-8"), content_type="text/html")


async def create_session(request):
    hub = request.app[HUB]
    body = await _json_body(request)
    settings = _settings(body.get("settings"))
    if settings.dataset == "csv":
        raise _refuse(web.HTTPBadRequest, "dataset 'csv' needs an uploaded file: start with a generated set, "
                                          "then upload.")
    sid = await hub.create(settings)
    return web.json_response({"id": sid, "settings": settings.to_dict()})


async def events(request):
    hub = request.app[HUB]
    sid, session = hub.get(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    watcher = Watcher()
    for kind, message in (("setup", session.last_setup), ("state", session.last_state)):
        if message is not None:
            watcher.offer(kind, json.dumps(message, separators=(",", ":")))
    hub.watchers[sid].add(watcher)
    try:
        while not hub.closing:
            for kind, text in await watcher.next():
                if kind == "end":
                    return response
                await response.write(f"event: {kind}\ndata: {text}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        hub.watchers.get(sid, set()).discard(watcher)
        hub.last_seen[sid] = time.monotonic()
    return response


SIMPLE = ("play", "pause", "step", "reset", "gradcheck")


async def command(request):
    hub = request.app[HUB]
    sid, session = hub.get(request)
    body = await _json_body(request)
    name = body.get("command")
    if name in SIMPLE:
        result = await _wait(session.submit(name))
    elif name == "set":
        result = await _wait(session.submit("set", _settings(body.get("settings"), session.settings)))
    elif name == "weight":
        result = await _wait(session.submit("weight", *_weight_args(body)))
    elif name == "predict":
        points = body.get("points")
        if not (isinstance(points, list) and 0 < len(points) <= MAX_PREDICT_POINTS and all(
                isinstance(p, list) and len(p) == 2 and all(_number(v, 1e6) for v in p) for p in points)):
            raise _refuse(web.HTTPBadRequest, f"points must be a list of 1 to {MAX_PREDICT_POINTS} [x1, x2] "
                                              "pairs of finite numbers.")
        result = await _wait(session.submit("predict", points))
    else:
        raise _refuse(web.HTTPBadRequest, f"command must be one of {[*SIMPLE, 'set', 'weight', 'predict']}, "
                                          f"got {name!r}.")
    return web.json_response({"ok": True, "result": result})


def _number(v, bound) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= bound


def _weight_args(body):
    layer, param, row, col, value = (body.get(k) for k in ("layer", "param", "row", "col", "value"))
    if param not in ("W", "b"):
        raise _refuse(web.HTTPBadRequest, f"param must be 'W' or 'b', got {param!r}.")
    for name, v in (("layer", layer), ("row", row), ("col", col)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise _refuse(web.HTTPBadRequest, f"{name} must be an integer, got {v!r}.")
    if not _number(value, 100):
        raise _refuse(web.HTTPBadRequest, f"value must be a finite number from -100 to 100, got {value!r}.")
    return layer, param, row, col, float(value)


async def upload(request):
    hub = request.app[HUB]
    sid, session = hub.get(request)
    problem = request.query.get("problem", "classification")
    settings = _settings({"dataset": "csv", "problem": problem}, session.settings)
    raw = await request.read()
    try:
        parsed = parse_csv(raw.decode("utf-8-sig"), problem)
    except UnicodeDecodeError:
        raise _refuse(web.HTTPBadRequest, "the CSV file must be UTF-8 text.") from None
    except ValueError as exc:
        raise _refuse(web.HTTPBadRequest, str(exc)) from None
    result = await _wait(session.submit("upload", parsed, settings))
    return web.json_response({"ok": True, "result": result, "rows": len(parsed[0])})


async def model(request):
    sid, session = request.app[HUB].get(request)
    body = await asyncio.get_running_loop().run_in_executor(None, export_bytes, session)
    return web.Response(body=body, content_type="application/octet-stream",
                        headers={"Content-Disposition": 'attachment; filename="playground.glassnet"'})


async def code(request):
    sid, session = request.app[HUB].get(request)
    classes = session.problem.classes
    text = python_code(session.settings, session.problem.scaling, len(classes) if classes else 2)
    return web.Response(text=text, content_type="text/x-python",
                        headers={"Content-Disposition": 'attachment; filename="playground.py"'})


async def current_state(request):
    sid, session = request.app[HUB].get(request)
    return web.json_response(session.last_state)


async def delete(request):
    hub = request.app[HUB]
    sid, _ = hub.get(request)
    hub.close(sid)
    return web.json_response({"ok": True})


@web.middleware
async def refuse_cleanly(request, handler):
    """Any refusal aiohttp raises itself (body too large, unknown path) as the same JSON error."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        text = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        return web.json_response({"error": text}, status=exc.status)


def make_app() -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[refuse_cleanly])
    app.router.add_get("/", index)
    app.router.add_static("/static", str(STATIC))
    app.router.add_post("/api/sessions", create_session)
    app.router.add_get("/api/sessions/{sid}/events", events)
    app.router.add_post("/api/sessions/{sid}/command", command)
    app.router.add_post("/api/sessions/{sid}/upload", upload)
    app.router.add_get("/api/sessions/{sid}/model", model)
    app.router.add_get("/api/sessions/{sid}/code", code)
    app.router.add_get("/api/sessions/{sid}/state", current_state)
    app.router.add_delete("/api/sessions/{sid}", delete)

    async def start(app):
        app[HUB] = Hub(asyncio.get_running_loop())
        app[SWEEPER] = asyncio.get_running_loop().create_task(sweep(app[HUB]))

    async def stop(app):
        hub = app[HUB]
        hub.closing = True
        app[SWEEPER].cancel()
        for sid in list(hub.sessions):
            hub.close(sid)

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    return app


async def start(host="127.0.0.1", port=8000):
    """Start serving; returns ``(runner, url)``. Raises ``OSError`` with a clear message when the port
    is taken."""
    runner = web.AppRunner(make_app(), shutdown_timeout=2.0, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise OSError(f"port {port} on {host} is already in use; choose another with --port N "
                                     "(--port 0 picks a free one)") from None
        raise
    bound = runner.addresses[0]
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    return runner, f"http://{shown}:{bound[1]}/"


class BackgroundServer:
    """The playground served from a thread of its own (tests, benchmarks): ``with BackgroundServer() as url``."""

    def __init__(self, host="127.0.0.1", port=0):
        self.host, self.port = host, port
        self._started = concurrent.futures.Future()

    def __enter__(self) -> str:
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)
        self._thread.start()
        return self._started.result(30)

    async def _main(self):
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            runner, url = await start(self.host, self.port)
        except OSError as exc:
            self._started.set_exception(exc)
            return
        self._started.set_result(url)
        await self._stop.wait()
        await runner.cleanup()

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

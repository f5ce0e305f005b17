"""The update rate a playground page sees: states per second over the event stream while training.

Two networks on TensorFlow Playground's circle (500 points, half for training, batch 10), with every
heatmap (100 x 100 output, 20 x 20 per neuron) and every weight and gradient in each state:

- 2-8-8-1, the issue's reference (goal: at least 20 updates per second on the 2-core machine);
- the largest the page allows: 7 inputs, 8 hidden layers of 16 neurons.

Each is measured paced (the server's ``MAX_EPOCHS_PER_SECOND``, what a page gets) and unpaced (the
capacity: epochs as fast as the worker trains, evaluates and encodes them). The client reads the stream
in Python; a browser's drawing is not included. Usage::

    python benchmarks/bench_playground.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import urllib.request

from threadpoolctl import threadpool_limits

from glassnet.playground import session as session_module
from glassnet.playground.server import BackgroundServer

NETWORKS = {
    "2-8-8-1": {"dataset": "circle", "layers": [8, 8], "features": ["x1", "x2"]},
    "7-16x8-1 (largest)": {"dataset": "circle", "layers": [16] * 8, "activations": ["tanh"] * 8,
                           "features": ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]},
}


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def rate(url, settings, seconds) -> tuple[float, int]:
    """States per second received while playing, and the bytes of one state."""
    sid = post(url + "api/sessions", {"settings": settings})["id"]
    counts, sizes, done = [0], [0], threading.Event()

    def read():
        with urllib.request.urlopen(url + f"api/sessions/{sid}/events", timeout=30) as stream:
            started = None
            for line in stream:
                if done.is_set():
                    return
                if line.startswith(b"data:") and b'"type":"state"' in line[:30]:
                    json.loads(line[5:])
                    if started is not None:
                        counts[0] += 1
                        sizes[0] = len(line)
                    elif json.loads(line[5:])["playing"]:
                        started = True

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    post(url + f"api/sessions/{sid}/command", {"command": "play"})
    time.sleep(1.0)  # warm up
    before = counts[0]
    time.sleep(seconds)
    received = counts[0] - before
    done.set()
    post(url + f"api/sessions/{sid}/command", {"command": "pause"})
    urllib.request.urlopen(urllib.request.Request(url + f"api/sessions/{sid}", method="DELETE"), timeout=30)
    return received / seconds, sizes[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| network | paced (states/s) | unpaced capacity (states/s) | bytes per state |")
    print("|---|---|---|---|")
    paced_limit = session_module.MAX_EPOCHS_PER_SECOND
    with threadpool_limits(1), BackgroundServer() as url:  # as `glassnet playground` runs
        for name, settings in NETWORKS.items():
            session_module.MAX_EPOCHS_PER_SECOND = paced_limit
            paced, size = rate(url, settings, args.seconds)
            session_module.MAX_EPOCHS_PER_SECOND = 10**6
            unpaced, _ = rate(url, settings, args.seconds)
            print(f"| {name} | {paced:.1f} | {unpaced:.1f} | {size:,} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""MNIST-1D (Greydanus, "Scaling down deep learning", 2020), generated here, never downloaded.

A port of ``make_dataset(get_dataset_args())`` from the ``mnist1d`` package
(https://github.com/greydanus/mnist1d, Apache License 2.0, (c) Sam Greydanus, Peter Steinbach and
contributors), which generated the published ``mnist1d_data.pkl``: ten 12-point templates of the digits'
outlines, each padded, dilated, scaled, translated, given correlated and independent noise, sheared and
resampled to 40 points; 5000 sequences, the first 4000 for training and the last 1000 for testing.

The package draws from NumPy's global generator after seeding it (``np.random.seed(42)``, and Python's
``random.seed``); this port draws the same numbers in the same order from a ``RandomState(42)`` of its
own, so it reproduces the published arrays exactly and leaves every global generator alone
(``tests/test_mnist1d.py`` checks both against the package).
"""

from __future__ import annotations

import numpy as np

# get_dataset_args() of the mnist1d package
NUM_SAMPLES = 5000
TRAIN_SPLIT = 0.8
TEMPLATE_LEN = 12
PADDING = (36, 60)
SCALE_COEFF = 0.4
MAX_TRANSLATION = 48
CORR_NOISE_SCALE = 0.25
IID_NOISE_SCALE = 2e-2
SHEAR_SCALE = 0.75
FINAL_SEQ_LENGTH = 40
SEED = 42


def templates():
    """The ten digit outlines, whitened and starting at zero: ``x`` (10, 12), ``t`` (12,), ``y`` (10,)."""
    x = np.asarray([
        [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
        [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
        [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
        [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
        [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
        [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
        [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
        [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
    ])
    x -= x.mean(1, keepdims=True)
    x /= x.std(1, keepdims=True)
    x -= x[:, :1]
    return {"x": x / 6.0, "t": np.linspace(-5, 5, TEMPLATE_LEN) / 6.0, "y": np.arange(10)}


def _interpolate(x, n):
    """Linear resampling of ``x`` to ``n`` points (the package's ``interp1d(..., kind="linear")``)."""
    return np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(x)), x)


def _transform(x, rs, eps=1e-8):
    """One template through the package's ``transform``, drawing from ``rs`` in the package's order."""
    from scipy.ndimage import gaussian_filter

    low, high = PADDING
    p = low + int(rs.rand() * (high - low + 1))                             # pad with zeros
    x = np.concatenate([x + eps, np.zeros(p)])
    x = _interpolate(x, TEMPLATE_LEN + PADDING[-1])                        # dilate
    x *= 1 + SCALE_COEFF * (rs.rand() - 0.5)                               # scale
    k = rs.choice(MAX_TRANSLATION)                                         # translate (roll)
    x = np.concatenate([x[-k:], x[:-k]])
    mask = x != 0                                                          # correlated noise off the signal
    x = mask * x + (1 - mask) * gaussian_filter(CORR_NOISE_SCALE * rs.randn(*x.shape), 2)
    x = x + IID_NOISE_SCALE * rs.randn(*x.shape)                           # independent noise
    coeff = SHEAR_SCALE * (rs.rand() - 0.5)                                # shear
    x = x - coeff * np.linspace(-0.5, 0.5, len(x))
    return _interpolate(x, FINAL_SEQ_LENGTH)                               # subsample


def make_dataset():
    """``(x, y, x_test, y_test)``: (4000, 40), (4000,), (1000, 40), (1000,), as the package makes them."""
    rs = np.random.RandomState(SEED)
    tpl = templates()
    per_class = NUM_SAMPLES // len(tpl["y"])
    xs = [_transform(tpl["x"][label], rs) for label in tpl["y"] for _ in range(per_class)]
    ys = np.repeat(tpl["y"], per_class)
    order = rs.permutation(len(ys))
    xs, ys = np.stack(xs)[order], ys[order]
    xs = (xs - xs.mean()) / xs.std()
    split = int(len(ys) * TRAIN_SPLIT)
    return xs[:split], ys[:split], xs[split:], ys[split:]

"""The fused kernels (glassnet.nn.fused) give the numbers of the plain NumPy code they replace.

The NumPy passes in each optimizer's ``_update`` are the reference. These tests run both paths on the
same inputs and require the same bits, in float32 and float64, and prove that the float32 kernel
computes in float32: a float64 computation rounded back would differ in many of these elements.
"""

import numpy as np
import pytest

import glassnet
from glassnet.nn import fused, layers, losses
from glassnet.optim import optimizers, schedules
from glassnet.training import fit
from glassnet.training.callbacks import EarlyStopping

numba = pytest.importorskip("numba")


@pytest.fixture(autouse=True)
def kernels_worth_loading(monkeypatch):
    """Most tests want the kernels at once, not after the start-up rule's quarter-billion elements."""
    monkeypatch.setattr(fused, "START_UP_ELEMENTS", 0)


def _adam_steps(dtype, enabled, monkeypatch, n=40_000, steps=4, shape=None):
    monkeypatch.setattr(fused, "MIN_SIZE", 1 if enabled else 10**12)
    rng = np.random.default_rng(0)
    param = rng.standard_normal(n).astype(dtype)
    if shape is not None:
        param = param.reshape(shape)
    opt = optimizers.Adam(schedules.InverseScaling(0.01, power_t=0.5))  # a rate that changes
    for step in range(steps):
        opt.set_epoch(step)
        grad = (rng.standard_normal(param.shape) * 10.0 ** rng.integers(-6, 3)).astype(dtype)
        opt.step([(param, grad)])
    return param, opt.state_dict()["state"][0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [None, (200, 200)])
def test_fused_adam_equals_the_numpy_passes_bit_for_bit(dtype, shape, monkeypatch):
    kernel, calls = fused.adam, []
    monkeypatch.setattr(fused, "adam", lambda *args: calls.append(1) or kernel(*args))
    fast, fast_state = _adam_steps(dtype, True, monkeypatch, shape=shape)
    assert len(calls) == 4  # the fused path was taken at every step
    plain, plain_state = _adam_steps(dtype, False, monkeypatch, shape=shape)
    assert fast.dtype == dtype and fast_state["m"].dtype == dtype
    np.testing.assert_array_equal(fast, plain)
    np.testing.assert_array_equal(fast_state["m"], plain_state["m"])
    np.testing.assert_array_equal(fast_state["v"], plain_state["v"])


def test_short_runs_keep_the_numpy_passes_and_long_ones_switch_with_the_same_results(monkeypatch):
    kernel, calls = fused.adam, []
    monkeypatch.setattr(fused, "adam", lambda *args: calls.append(1) or kernel(*args))
    monkeypatch.setattr(fused, "_kernels", None)  # the process has not loaded them yet
    monkeypatch.setattr(fused, "_declined", 0)
    monkeypatch.setattr(fused, "START_UP_ELEMENTS", 1.5 * 40_000)
    switched, _ = _adam_steps(np.float32, True, monkeypatch, steps=4)
    assert len(calls) == 2  # steps 1 and 2 declined (80k elements, past 60k), 3 and 4 fused
    plain, _ = _adam_steps(np.float32, False, monkeypatch, steps=4)
    np.testing.assert_array_equal(switched, plain)

    monkeypatch.setattr(fused, "_kernels", None)
    monkeypatch.setattr(fused, "_declined", 0)
    monkeypatch.setattr(fused, "START_UP_ELEMENTS", 10**9)
    monkeypatch.setattr(fused, "MIN_SIZE", 1)
    big = np.zeros(40_000, dtype=np.float32)
    assert not fused.applies(big) and fused._kernels is None  # a short run never loads Numba


def test_a_run_planned_long_enough_loads_the_kernels_at_its_first_step(monkeypatch):
    # fit announces epochs x batches; Adam passes the elements still to come, which repay the start-up
    kernel, calls = fused.adam, []
    monkeypatch.setattr(fused, "adam", lambda *args: calls.append(1) or kernel(*args))
    monkeypatch.setattr(fused, "MIN_SIZE", 1)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((40, 6)).astype(np.float32), rng.integers(0, 2, 40)
    n_params = 6 * 4 + 4 + 4 * 2 + 2
    for epochs, expected in ((3, 0), (5, 20)):  # 4 batches an epoch: 12 or 20 steps planned
        monkeypatch.setattr(fused, "_kernels", None)  # the process has not loaded them yet
        monkeypatch.setattr(fused, "_declined", 0)
        monkeypatch.setattr(fused, "START_UP_ELEMENTS", 19 * n_params)  # the steps after the first
        calls.clear()
        net = glassnet.Sequential([layers.Dense(6, 4, dtype="float32"), layers.ReLU(),
                                   layers.Dense(4, 2, dtype="float32")], output="softmax", random_state=0,
                                  dtype="float32")
        fit(net, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.01), X, y, epochs=epochs, batch_size=10,
            random_state=0)
        assert len(calls) == expected  # 12 steps plan too little to load; 20 load at the first step
    # patience 4 may end a 5-epoch run after its 4th epoch: no plan is announced, and only the
    # ski-rental rule's switch (at the 20th step) loads the kernels; patience 5 cannot end it early
    for patience, expected in ((4, 1), (5, 20)):
        calls.clear()
        monkeypatch.setattr(fused, "_kernels", None)
        monkeypatch.setattr(fused, "_declined", 0)
        stopper = EarlyStopping("loss", patience=patience)
        fit(net, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.01), X, y, epochs=5, batch_size=10,
            random_state=0, callbacks=[stopper])
        assert len(calls) == expected, patience


def test_fused_adam_is_taken_and_the_plain_path_without_numba(monkeypatch):
    calls = []
    monkeypatch.setattr(fused, "adam", lambda *args: calls.append(args))
    _adam_steps(np.float32, True, monkeypatch, steps=1)
    assert len(calls) == 1
    monkeypatch.setattr(fused, "_kernels", {})  # as when Numba cannot be imported
    before = _adam_steps(np.float32, True, monkeypatch, steps=1)
    assert len(calls) == 1 and np.isfinite(before[0]).all()


def test_applies_only_to_large_plain_contiguous_arrays_of_one_float_dtype():
    big = np.zeros(fused.MIN_SIZE, dtype=np.float32)
    assert fused.applies(big, big.copy())
    assert not fused.applies(big[:-1], big[:-1].copy())  # small
    assert not fused.applies(big, big.astype(np.float64))  # mixed dtypes
    assert not fused.applies(big.astype(np.int64))
    assert not fused.applies(big, np.zeros(2 * fused.MIN_SIZE, dtype=np.float32)[::2])  # strided
    assert not fused.applies(big.view(type("Sub", (np.ndarray,), {})))  # subclasses, other array types
    assert not fused.applies(big, big.reshape(2, -1))


def test_the_float32_kernel_computes_in_float32():
    # Compiled afresh with the module's options, to read the types Numba inferred for every variable.
    signature = "void(f4[::1], f4[::1], f4[::1], f4[::1], f4, f4, f4, f4, f4, f4)"
    kernel = numba.njit(signature, **fused.OPTIONS)(fused._adam_loop)
    typemap = kernel.overloads[kernel.signatures[0]].type_annotation.typemap
    floats = {name: str(t) for name, t in typemap.items() if "float" in str(t)}
    assert floats and all("float64" not in t for t in floats.values()), floats


def test_fit_with_the_fused_adam_equals_fit_without_it(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((64, 200)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    results = []
    for size in (1, 10**12):
        monkeypatch.setattr(fused, "MIN_SIZE", size)
        net = glassnet.Sequential([layers.Dense(200, 180, dtype="float32"), layers.ReLU(),
                                   layers.Dense(180, 3, dtype="float32")], output="softmax", random_state=0,
                                  dtype="float32")
        history = fit(net, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.01), X, y, epochs=2, batch_size=16,
                      random_state=0, l2=1e-3)
        results.append((net.get_weights(), history.batch_loss))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def test_without_a_writable_cache_the_kernel_is_compiled_for_the_process(monkeypatch):
    njit = numba.njit

    def no_cache(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return njit(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)
    monkeypatch.setattr(fused, "_kernels", None)
    fast, _ = _adam_steps(np.float32, True, monkeypatch, n=100, steps=2)
    plain, _ = _adam_steps(np.float32, False, monkeypatch, n=100, steps=2)
    assert "adam" in fused._kernels
    np.testing.assert_array_equal(fast, plain)

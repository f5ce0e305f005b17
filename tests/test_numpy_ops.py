"""The NumPy namespace's fast paths against the portable versions written with the standard only (column
sums against the float64 sum)."""

import array_api_compat.numpy as compat_numpy
import numpy as np
import pytest

from glassnet.nn import backend as B
from glassnet.nn.numpy_ops import NUMPY

PORTABLE = B._Portable(compat_numpy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 5), (32, 48), (300, 40)])  # column_sums: product below 8192, reduction above
def test_fast_paths_agree_with_the_portable_versions(dtype, shape):
    rng = np.random.default_rng(0)
    A = (rng.standard_normal(shape) * 50).astype(dtype)
    A[0, :2] = [-120.0, 120.0]  # past float32's exp overflow on both sides
    # the fast logistic is exact wherever the result is a normal float, and 0 for subnormal results
    close = dict(rtol=4 * np.finfo(dtype).eps, atol=np.finfo(dtype).smallest_normal)
    np.testing.assert_allclose(NUMPY.expit(A.copy()), PORTABLE.expit(A), **close)
    np.testing.assert_array_equal(NUMPY.positive_part(A), PORTABLE.positive_part(A))
    out, expected = np.empty(shape[1], dtype), A.astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(NUMPY.column_sums(A, out), expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-4 if dtype == np.float32 else 1e-10)
    assert out.dtype == dtype
    idx = rng.permutation(shape[0])[: shape[0] // 2 + 1]
    np.testing.assert_array_equal(NUMPY.take_rows(A, idx, out=np.empty((len(idx), shape[1]), dtype)),
                                  PORTABLE.take_rows(A, idx))
    T = rng.integers(0, shape[1], shape[0])
    np.testing.assert_array_equal(NUMPY.pick(A, T), PORTABLE.pick(A, T))
    np.testing.assert_array_equal(NUMPY.subtract_at(A.copy(), T, 0.5), PORTABLE.subtract_at(A.copy(), T, 0.5))


def test_windows_and_padding_agree_with_the_portable_versions():
    X = np.arange(2 * 3 * 7 * 6, dtype=np.float32).reshape(2, 3, 7, 6)
    np.testing.assert_array_equal(NUMPY.pad(X, (2, 1), value=-1.0), PORTABLE.pad(X, (2, 1), value=-1.0))
    for kernel, stride in (((3, 2), (1, 1)), ((2, 3), (2, 3)), ((7, 1), (1, 2))):
        np.testing.assert_array_equal(NUMPY.windows(X, kernel, stride), PORTABLE.windows(X, kernel, stride))

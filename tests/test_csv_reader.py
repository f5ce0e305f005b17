"""The CSV reader (pandas in chunks): same values and kinds as reading cell by cell, same messages."""

import numpy as np
import pytest

from glassnet.tabular import data
from glassnet.tabular.data import CATEGORICAL, NUMERIC, read_csv


def _write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_numbers_text_missing_values_and_blank_rows(tmp_path):
    path = _write(tmp_path, "a, b ,c,label\n"
                            "1.5,x,3,1\n"
                            "NA, y ,4,0\n"
                            "\n"
                            ",,,\n"
                            "?,x,5,1\n"
                            "0.1,,1e-3,0\n")
    d = read_csv(path, "label")
    assert d.features == [("a", NUMERIC), ("b", CATEGORICAL), ("c", NUMERIC)]
    np.testing.assert_array_equal(d.frame["a"].to_numpy(), [1.5, np.nan, np.nan, float("0.1")])
    assert d.frame["a"].dtype == np.float64 and d.frame["c"].dtype == np.float64  # c is written as integers
    np.testing.assert_array_equal(d.frame["c"].to_numpy(), [3.0, 4.0, 5.0, 1e-3])
    assert list(d.frame["b"][:3]) == ["x", "y", "x"] and d.frame["b"].isna().tolist() == [False] * 3 + [True]
    assert list(d.y) == ["1", "0", "1", "0"]


def test_a_missing_value_spelled_with_spaces_is_still_missing(tmp_path):
    path = _write(tmp_path, "a,label\n  nA  ,1\n2,0\n")
    d = read_csv(path, "label")
    assert d.features == [("a", NUMERIC)]
    np.testing.assert_array_equal(d.frame["a"].to_numpy(), [np.nan, 2.0])


def test_a_column_numeric_in_one_chunk_and_text_in_another_is_categorical(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CHUNK_CELLS", 2)  # 1,000-row chunks
    rows = [f"{i},{i % 2}" for i in range(1500)] + ["abc,1"]
    d = read_csv(_write(tmp_path, "a,label\n" + "\n".join(rows) + "\n"), "label")
    assert d.features == [("a", CATEGORICAL)]
    assert d.frame["a"].iloc[-1] == "abc" and d.frame["a"].iloc[0] == "0"


def test_a_short_row_past_the_first_chunk_is_named_by_line(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CHUNK_CELLS", 3)
    rows = [f"{i},{i},{i % 2}" for i in range(1200)] + ["5,1"]
    with pytest.raises(ValueError, match=r"line 1202: 2 fields, but the header has 3"):
        read_csv(_write(tmp_path, "a,b,label\n" + "\n".join(rows) + "\n"), "label")


def test_a_bad_number_past_the_first_chunk_is_named_by_line(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CHUNK_CELLS", 2)
    rows = [f"{i},{i % 2}" for i in range(1200)] + ["inf,1"]
    with pytest.raises(ValueError, match=r"line 1202, column 'a': 'inf' is not a finite number"):
        read_csv(_write(tmp_path, "a,label\n" + "\n".join(rows) + "\n"), "label")

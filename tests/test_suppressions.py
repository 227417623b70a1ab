from datetime import date

import pytest

from modernizer.errors import InputError
from modernizer.findings.suppressions import FILENAME, Suppression, add_suppression, load_suppressions


def test_round_trip_with_quotes_and_expiry(tmp_path):
    s = Suppression(fingerprint="abcdef0123456789", reason='test fixture "password", not real', owner="ana@hotel",
                    expires=date(2026, 1, 31), created=date(2025, 12, 1), title="Hard-coded password", file="a/B.java")
    add_suppression(tmp_path, s)
    add_suppression(tmp_path, Suppression(fingerprint="1111222233334444", reason="accepted", owner="bo"))
    loaded = load_suppressions(tmp_path)
    assert loaded[0] == s and len(loaded) == 2
    assert loaded[0].active(date(2026, 1, 31)) and not loaded[0].active(date(2026, 2, 1))
    assert loaded[1].active(date(2099, 1, 1))
    add_suppression(tmp_path, s.model_copy(update={"reason": "changed"}))
    assert [x.reason for x in load_suppressions(tmp_path)] == ["accepted", "changed"]


def test_missing_file_is_empty_and_broken_file_is_a_clear_error(tmp_path):
    assert load_suppressions(tmp_path) == []
    (tmp_path / FILENAME).write_text("[[suppression]]\nfingerprint = \n")
    with pytest.raises(InputError, match="cannot read the suppressions file"):
        load_suppressions(tmp_path)
    (tmp_path / FILENAME).write_text('[[suppression]]\nfingerprint = "abcdef0123456789"\n')
    with pytest.raises(InputError, match="needs fingerprint, reason and owner"):
        load_suppressions(tmp_path)

"""Anchored search/replace edits: the exactly-once rule, computed line numbers, diffs."""

from __future__ import annotations

import pytest

from modernizer.review.edits import Edit, EditRejected, apply_to_text, locate, plan_changes, unified_diff

TEXT = """public class A {
    int a = 1;
    int b = 2;
    }
    }
}
"""


def test_exactly_once_places_the_edit_and_computes_its_lines():
    new, [e] = apply_to_text(TEXT, [Edit(file="A.java", search="    int b = 2;\n    }", replace="    int b = 3;\n    }")])
    assert "int b = 3;" in new and "int b = 2;" not in new
    assert (e.line_start, e.line_end) == (3, 4)  # from the text, not from whoever wrote the edit


def test_not_found_is_rejected_with_a_clear_message():
    with pytest.raises(EditRejected) as exc:
        locate(TEXT, Edit(file="A.java", search="int c = 3;", replace="int c = 4;"))
    assert exc.value.message == "edit 1 (A.java): the search text was not found in the file (it begins 'int c = 3;')"
    assert "copied exactly" in exc.value.hint


def test_more_than_one_match_is_rejected_and_names_the_lines():
    with pytest.raises(EditRejected) as exc:
        locate(TEXT, Edit(file="A.java", search="    }", replace="  }"), 2)
    assert exc.value.message == "edit 2 (A.java): the search text occurs 2 times (lines 4, 5); it must occur exactly once"
    assert "more of the surrounding lines" in exc.value.hint
    with pytest.raises(EditRejected, match=r"occurs 3 times \(lines 4, 5, 6\)"):
        locate(TEXT, Edit(file="A.java", search="}\n", replace="};\n"))


def test_overlapping_occurrences_count_as_more_than_one():
    with pytest.raises(EditRejected, match="occurs 2 times"):
        locate("xaaa\n", Edit(file="f", search="aa", replace="b"))


def test_empty_and_no_op_edits_are_rejected():
    with pytest.raises(EditRejected, match="search text is empty"):
        locate(TEXT, Edit(file="A.java", search="  \n", replace="x"))
    with pytest.raises(EditRejected, match="the same as the search text"):
        locate(TEXT, Edit(file="A.java", search="int a = 1;", replace="int a = 1;"))


def test_line_number_prefixes_copied_from_the_excerpt_are_tolerated_and_noted():
    _, _, e = locate(TEXT, Edit(file="A.java", search="2|     int a = 1;", replace="2|     int a = 10;"))
    assert e.search == "    int a = 1;" and e.replace == "    int a = 10;" and e.line_start == 2
    assert "line-number prefixes" in e.note


def test_crlf_files_accept_lf_search_text():
    text = TEXT.replace("\n", "\r\n")
    new, [e] = apply_to_text(text, [Edit(file="A.java", search="int a = 1;\n    int b", replace="int a = 5;\n    int b")])
    assert "int a = 5;\r\n    int b = 2;\r\n" in new and e.line_start == 2 and e.line_end == 3


def test_several_edits_are_placed_on_the_original_and_must_not_overlap():
    new, located = apply_to_text(TEXT, [Edit(file="A.java", search="int b = 2;", replace="int b = 20;"),
                                        Edit(file="A.java", search="int a = 1;", replace="int a = 10;")])
    assert [e.line_start for e in located] == [3, 2]
    assert "int a = 10;" in new and "int b = 20;" in new
    with pytest.raises(EditRejected, match="edits 1 and 2 .* overlap"):
        apply_to_text(TEXT, [Edit(file="A.java", search="int a = 1;\n    int b", replace="x"),
                             Edit(file="A.java", search="int b = 2;", replace="y")])


def test_plan_changes_groups_by_file_numbers_edits_and_diffs():
    files = {"A.java": TEXT, "B.txt": "one\ntwo\n"}
    changes = plan_changes(files, [Edit(file="A.java", search="int a = 1;", replace="int a = 2;"),
                                   Edit(file="B.txt", search="two", replace="three")])
    assert [c.path for c in changes] == ["A.java", "B.txt"]
    assert changes[1].diff == "--- a/B.txt\n+++ b/B.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+three\n"
    with pytest.raises(EditRejected, match=r"^edit 2 \(C.java\): no such file"):
        plan_changes(files, [Edit(file="A.java", search="int a = 1;", replace="int a = 2;"), Edit(file="C.java", search="x", replace="y")])
    with pytest.raises(EditRejected, match=r"^edit 2 \(B.txt\): the search text was not found"):
        plan_changes(files, [Edit(file="A.java", search="int a = 1;", replace="int a = 2;"), Edit(file="B.txt", search="four", replace="y")])
    with pytest.raises(EditRejected, match="has no edits"):
        plan_changes(files, [])


def test_unified_diff_marks_a_missing_final_newline():
    d = unified_diff("f", "a\nb", "a\nc")
    assert d.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")

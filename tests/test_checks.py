"""The parts of grading that decide a verdict: comparing values, reading a kernel's reply, judging a cell.

These run in the grader's process, on data from a kernel that belongs to the
student: every reply here is one a hostile kernel could send.
"""
import base64
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursekit import checks, reference
from coursekit.checks import CellReference, MalformedReply, judge, read_reply, well_formed, without_expected
from coursekit.expect import _differs as differs
from coursekit.expect import _plain as plain
from coursekit.expect import _show as show
from coursekit.expect import expect
from coursekit.kernel_checks import install

# --- comparing plain values --------------------------------------------------------------


@pytest.mark.parametrize("got,expected,tol,same", [
    (1, 1.0, 1e-9, True),                         # an int where a float is expected is the same number
    (0.1 + 0.2, 0.3, 1e-9, True),
    (1.001, 1.0, 1e-9, False),
    (1000.5, 1000.0, 1e-3, True),                 # relative to the expected size
    (True, 1, 1e-9, False),                       # a bool is not a number
    (np.float64(2.5), 2.5, 1e-9, True),           # NumPy's numbers count as numbers
    (np.int32(3), 3, 1e-9, True),
    (float("nan"), float("nan"), 1e-9, True),
    (float("inf"), 1e308, 1e-9, False),
    ([1, 2.0], (1.0, 2), 1e-9, True),             # a list and a tuple of the same numbers
    ([1, 2], [1, 2, 3], 1e-9, False),
    ({"a": 1, 0.5: [2]}, {0.5: [2.0], "a": 1.0}, 1e-9, True),
    ({"a": 1}, {"a": 1, "b": 2}, 1e-9, False),
    ("Tensor", "Tensor", 1e-9, True),
    ("tensor", "Tensor", 1e-9, False),
    (None, None, 1e-9, True),
    (np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(2, 3) + 1e-12, 1e-9, True),
    (np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2), 1e-9, False),   # the shape matters
    (np.arange(6.0), list(range(6)), 1e-9, False),                                # an array is not a list
    (np.array([True, False]), np.array([1.0, 0.0]), 1e-9, False),
])
def test_values_match_as_the_tests_intend(got, expected, tol, same):
    assert (differs(plain(got), plain(expected), tol) is None) == same


def test_an_object_that_claims_to_equal_everything_is_not_a_number():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

        def __sub__(self, other):
            return 0.0

    wrong = differs(plain(AlwaysEqual(5)), plain(2.0))
    assert wrong == "expected the number 2.0, got a AlwaysEqual"


def test_messages_say_what_was_expected_and_what_came_back():
    assert differs(plain(2.25), plain(4.5)) == "expected 4.5, got 2.25"
    assert differs(plain([1, 2]), plain([1, 3])) == "item 1: expected 3, got 2"
    assert differs(plain(np.zeros((3, 4))), plain(np.ones((3, 1)))) == (
        "expected an array of shape (3, 1), got one of shape (3, 4)")
    big = np.zeros((5, 5))
    big[2, 3] = 1.0
    assert differs(plain(np.zeros((5, 5))), plain(big)) == (
        "expected an array of shape (5, 5); the largest difference is at [2, 3]: expected 1.0, got 0.0")
    with pytest.raises(AssertionError, match=r"^the slope at 3: expected 6.0, got 5.0$"):
        expect("the slope at 3", 5.0, 6.0)
    expect("a hidden check: nothing to compare with in the student's notebook", 5.0)


def test_what_came_back_from_a_student_never_shows_a_string_or_a_class_name():
    secret = "hidden = random.Random(20260101)"
    assert secret not in differs(plain(secret), plain(1.0), trusted=False)
    assert secret not in differs(plain((secret,)), plain((-1,)), trusted=False)
    assert secret not in differs(plain({"k": secret}), plain({"k": "v"}), trusted=False)
    sneaky = type(secret.replace(" ", "_").replace("(", "").replace(")", "").replace(".", "_"), (), {})()
    assert "Random" not in differs(plain(sneaky), plain(1.0), trusted=False)
    assert show(plain(secret), trusted=False) == "a string"


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 62, 2 ** 62) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=5) | st.integers(-5, 5), children, max_size=3),
    max_leaves=12)


@given(plain_values)
def test_every_value_survives_the_trip_from_a_kernel_and_equals_itself(value):
    travelled = json.loads(json.dumps(plain(value), allow_nan=False))
    assert well_formed(travelled)
    assert differs(travelled, plain(value)) is None


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.integers(1, 3))
def test_arrays_survive_the_trip_and_a_shifted_entry_is_found(numbers, rows):
    array = np.array(numbers * rows).reshape(rows, len(numbers))
    travelled = json.loads(json.dumps(plain(array), allow_nan=False))
    assert well_formed(travelled) and differs(travelled, plain(array)) is None
    shifted = array.copy()
    shifted[-1, -1] += 1 + abs(shifted[-1, -1])
    assert differs(plain(shifted), plain(array)) is not None


# --- reading what a kernel replies ----------------------------------------------------------

def reply(payload):
    text = base64.b64encode(payload if isinstance(payload, bytes) else json.dumps(payload).encode()).decode()
    return {"user_expressions": {checks.REPLY_EXPRESSION: {"status": "ok", "data": {"text/plain": repr(text)}}}}


def test_a_reply_in_the_harness_form_is_read():
    data = read_reply(reply({"records": [{"value": plain(1.5)}], "error": None}))
    assert data["records"][0]["value"] == {"t": "float", "v": 1.5}


@pytest.mark.parametrize("content,why", [
    ({}, "no reply"),
    ({"user_expressions": {checks.REPLY_EXPRESSION: {"status": "error", "ename": "NameError"}}}, "no reply"),
    ({"user_expressions": {checks.REPLY_EXPRESSION: {"data": {"text/plain": "'" + "A" * (13 * 2 ** 20) + "'"}}}},
     "too large"),
    ({"user_expressions": {checks.REPLY_EXPRESSION: {"data": {"text/plain": "'print(1)' + 'x'"}}}},
     "not in the harness's form"),
    (reply(b"not json at all"), "not JSON"),
    (reply(b"[" * 100000 + b"]" * 100000), "not JSON"),
    (reply({"records": [{"value": {"t": "float", "v": "1e3"}}]}), "not plain data"),
    (reply({"records": [{"value": {"t": "int", "v": 10 ** 30}}]}), "not plain data"),
    (reply({"records": [{"value": {"t": "array", "shape": [2, 2], "kind": "f", "v": [1.0]}}]}), "not plain data"),
    (reply({"records": [{"value": {"t": "str", "v": "x" * 5000}}]}), "not plain data"),
    (reply({"records": [{"value": {"t": "code", "v": "import os"}}]}), "not plain data"),
    (reply({"records": "all passed"}), "not plain data"),
    (reply({"records": [], "error": "boom"}), "malformed error"),
])
def test_a_reply_not_in_the_harness_form_is_refused(content, why):
    with pytest.raises(MalformedReply, match=why):
        read_reply(content)


# --- the verdict on a cell -------------------------------------------------------------------

REFERENCE = CellReference("expect('the slope', f(1), 2)\n### BEGIN HIDDEN TESTS\nexpect('the slope at a random x', "
                          "f(x))\n### END HIDDEN TESTS\n",
                          [{"what": "the slope", "tol": 1e-9, "line": 1, "value": plain(2.0)},
                           {"what": "the slope at a random x", "tol": 1e-9, "line": 3, "value": plain(0.75)}])


def test_right_values_pass_and_each_wrong_one_is_named():
    assert judge(REFERENCE, {"records": [{"value": plain(2)}, {"value": plain(0.75)}]}).passed
    verdict = judge(REFERENCE, {"records": [{"value": plain(2)}, {"value": plain(-0.75)}]})
    assert not verdict.passed and verdict.failed == 1
    assert verdict.failures == ["the slope at a random x: expected 0.75, got -0.75"]
    assert verdict.outputs()[0]["evalue"] == "1 of 2 check(s) failed:\n- the slope at a random x: expected 0.75, got -0.75"


def test_an_unanswered_exercise_is_said_in_words():
    verdict = judge(REFERENCE, {"records": [], "error": {"type": "NotImplementedError"}})
    assert verdict.failed == 2
    assert "raises NotImplementedError (an exercise is not answered yet)" in verdict.failures[0]


def test_an_error_class_of_the_students_own_is_not_named():
    verdict = judge(REFERENCE, {"records": [{"value": plain(2)}], "error": {"type": "Secret_hidden_code"}})
    assert "Secret" not in verdict.failures[0] and "raised an exception" in verdict.failures[0]
    verdict = judge(REFERENCE, {"records": [{"value": plain(2)}], "error": {"type": "ZeroDivisionError"}})
    assert "raised a ZeroDivisionError" in verdict.failures[0]


def test_too_few_or_too_many_values_fail():
    assert not judge(REFERENCE, {"records": [{"value": plain(2)}]}).passed
    assert not judge(REFERENCE, {"records": [{"value": plain(2)}, {"value": plain(0.75)}] * 2}).passed
    assert not judge(REFERENCE, {"records": [{"value": plain(2)}, {"value": plain(0.75)}],
                                 "error": {"type": "ValueError"}}).passed


def test_a_topological_order_is_judged_by_its_rule_against_the_reference_graph():
    graph = {"nodes": 3, "edges": [[0, 1], [0, 2], [1, 2]]}
    ref = CellReference("", [{"what": "the order", "tol": 1e-9, "line": 1, "value": plain([0, 1, 2]),
                              "expected": plain(graph), "accept": "topological order"}])
    assert judge(ref, {"records": [{"value": plain([0, 1, 2])}]}).passed
    for wrong, words in [([0, 2, 1], "before its parent"), ([0, 1], "all 3 nodes"), ([0, 1, 1], "each node once"),
                         ([0, 1, 2, -1], "not one of them"), ("0, 1, 2", "a list")]:
        verdict = judge(ref, {"records": [{"value": plain(wrong)}]})
        assert not verdict.passed and words in verdict.failures[0], (wrong, verdict.failures)


# --- the code the student's kernel gets -----------------------------------------------------------

def test_the_kernel_never_gets_the_expected_values():
    source = ("expect('a', f(1), 2 * a)\nexpect('b', g(2), expected=secret(3), tol=1e-6)\n"
              "expect('c', h(3), 4.5, 1e-3)\n")
    stripped = without_expected(source)
    assert "2 * a" not in stripped and "secret" not in stripped and "4.5" not in stripped
    assert "tol=1e-06" in stripped and "tol=0.001" in stripped and "f(1)" in stripped


def test_the_harness_records_values_and_what_stopped_it():
    namespace = {"f": lambda x: 2 * x}
    run = install(checks.EXPECT_SOURCE, namespace)
    data = read_reply(reply(base64.b64decode(run("expect('f(1)', f(1), 2)\nexpect('f(a)', f('a'))\nf(None)\n",
                                                 "test_f"))))
    assert [r["value"] for r in data["records"]] == [plain(2), plain("aa")]
    assert data["records"][0]["expected"] == plain(2) and data["records"][1]["line"] == 2
    assert data["error"] == {"type": "TypeError", "line": 3}
    assert set(namespace) == {"f"}, "the checks ran in a copy: the notebook's names are untouched"


def test_the_harness_is_sent_with_a_notebooks_first_checks_and_serves_the_later_ones():
    kernel = {"f": lambda x: 2 * x}  # the notebook's globals, as the kernel holds them
    first = checks.request_code("expect('f(1)', f(1))\n", "test_first", install=True)
    later = checks.request_code("expect('f(2)', f(2))\n", "test_later")
    assert checks.EXPECT_SOURCE not in later and checks.KERNEL_SOURCE not in later, \
        "every test cell compiles the harness again"
    for code, value in ((first, 2), (later, 4)):
        exec(code, kernel)
        data = read_reply(reply(base64.b64decode(kernel[checks.REPLY_EXPRESSION])))
        assert [r["value"] for r in data["records"]] == [plain(value)], f"expected f's value {value}, got {data}"


# --- what must hold of a reference ------------------------------------------------------------

def test_a_hidden_message_with_a_computed_value_is_a_problem():
    source = ("expect(f'the slope at {x}', f(x), 1)\n### BEGIN HIDDEN TESTS\n"
              "expect('the slope ' + 'at a random x', f(y), 1)\nexpect(f'the slope at {y}', f(y), 1)\n"
              "### END HIDDEN TESTS\n")
    records = [{"what": "the slope at 3", "tol": 1e-9, "line": 1, "value": plain(1), "expected": plain(1)},
               {"what": "the slope at a random x", "tol": 1e-9, "line": 3, "value": plain(1), "expected": plain(1)},
               {"what": "the slope at 0.2718", "tol": 1e-9, "line": 4, "value": plain(1), "expected": plain(1)}]
    found = reference.cell_problems(CellReference(source, records))
    assert len(found) == 1 and "'the slope at 0.2718': a hidden check's message" in found[0]


def test_a_reference_that_fails_its_own_test_or_records_nothing_is_a_problem():
    records = [{"what": "w", "tol": 1e-9, "line": 1, "value": plain(1.5), "expected": plain(2.0)},
               {"what": "an object", "tol": 1e-9, "line": 2, "value": plain(object())}]
    found = reference.cell_problems(CellReference("x\ny\n", records))
    assert any("does not pass this check (expected 2.0, got 1.5)" in p for p in found)
    assert any("cannot compare" in p for p in found)
    assert reference.cell_problems(CellReference("pass\n", [])) == [
        "it records no value with expect(): its verdict would not depend on the student's work"]
    assert "stop with KeyError at line 4" in reference.cell_problems(
        CellReference("", [], {"type": "KeyError", "line": 4}))[0]


def test_composed_of_literal_pieces():
    pieces = {"the slope", " at ", "a random x", ": "}
    assert reference.composed_of("the slope at a random x", pieces)
    assert not reference.composed_of("the slope at 3", pieces)

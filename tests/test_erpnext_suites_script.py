"""scripts/erpnext-suites tells the tests that fail only with BizLink from those failing anyway.

(The script itself runs ERPNext's suites on two sites in `.ci/run`; here, its comparison.)
"""

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "erpnext-suites"


@pytest.fixture(scope="module")
def suites():
	loader = importlib.machinery.SourceFileLoader("erpnext_suites", str(SCRIPT))
	spec = importlib.util.spec_from_loader("erpnext_suites", loader)
	module = importlib.util.module_from_spec(spec)
	loader.exec_module(module)
	return module


def outcome(run=3, failures=(), errors=()):
	return {
		"run": run,
		"failures": {test: f"Traceback\nAssertionError: {test}" for test in failures},
		"errors": {
			test: f"Traceback\nLinkExistsError: {test} is linked with Order Stage Log" for test in errors
		},
		"skipped": 0,
		"seconds": 1.0,
	}


def test_only_the_tests_failing_with_bizlink_alone_are_reported(suites, capsys):
	plain = {"Sales Order": outcome(failures=["a"], errors=["b"]), "Customer": outcome()}
	bizlink = {
		"Sales Order": outcome(failures=["a"], errors=["b", "c"]),  # c is new with BizLink
		"Customer": outcome(failures=["d"]),
	}
	only = suites.report(["Sales Order", "Customer"], plain, bizlink, "plain.test", "bizlink.test")
	assert [(suite, test) for suite, test, _trace in only] == [("Sales Order", "c"), ("Customer", "d")]
	printed = capsys.readouterr().out
	assert "LinkExistsError: c is linked with Order Stage Log" in printed
	assert "AssertionError: d" in printed


def test_a_suite_that_did_not_run_with_bizlink_counts_as_failing(suites):
	plain = {"Sales Order": outcome()}
	bizlink = {"Sales Order": {"crashed": "exit 1", "seconds": 2.0}}
	only = suites.report(["Sales Order"], plain, bizlink, "plain.test", "bizlink.test")
	assert [test for _suite, test, _trace in only] == ["(the whole suite)"]


def test_the_same_failures_on_both_sites_are_not_blamed_on_bizlink(suites):
	same = {"Sales Invoice": outcome(failures=["x"], errors=["y"])}
	assert suites.report(["Sales Invoice"], same, same, "plain.test", "bizlink.test") == []


def test_ci_runs_a_subset_of_the_whole_list(suites):
	assert set(suites.CI_SUITES) < set(suites.ALL_SUITES)
	assert {
		"Sales Order",
		"Delivery Note",
		"Sales Invoice",
		"Payment Entry",
		"Customer",
		"Installation Note",
	} <= set(suites.CI_SUITES)

"""The modules marked ``xdist_group`` stay on one test process: their module
fixture (the model server, the full-data training run, a fresh venv) is made
once. A pytest or pytest-xdist upgrade that silently stops grouping fails here
rather than doubling those fixtures."""

from __future__ import annotations

import re

pytest_plugins = ["pytester"]


def test_tests_of_one_group_run_on_one_worker(pytester, monkeypatch):
    # Only pytest-xdist: the other installed plugins cost seconds to import.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(
        test_grouped="""
        import pytest

        pytestmark = pytest.mark.xdist_group("together")

        @pytest.mark.parametrize("i", range(8))
        def test_member(i):
            pass
        """,
        test_free="""
        import pytest

        @pytest.mark.parametrize("i", range(8))
        def test_other(i):
            pass
        """,
    )
    result = pytester.runpytest_subprocess(
        "-p", "xdist", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=16)
    workers = {}
    for line in result.outlines:
        found = re.match(r"\[(gw\d)\] .*PASSED (\S+)", line)
        if found:
            workers[found.group(2)] = found.group(1)
    grouped = {test: w for test, w in workers.items() if "test_member" in test}
    assert len(grouped) == 8, result.outlines
    assert len(set(grouped.values())) == 1, grouped  # one worker for the group
    # Both workers ran something: the check would prove nothing with one.
    assert len(set(workers.values())) == 2, workers

"""Under CI=true a test that lacks a tool or package fails instead of skipping (tests/tools.py), a
skip about configuration stays a skip, and no test skips for a missing requirement any other way."""

import re
from pathlib import Path

import pytest

from tests.tools import missing, require_tool, requires, skip_configuration

pytestmark = pytest.mark.unit
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
NO_TOOL = "framewise-no-such-tool"
NO_MODULE = "framewise_no_such_module"


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_under_ci_a_missing_tool_or_package_fails_with_its_message(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match=f"{NO_TOOL} is not installed"):
        require_tool(NO_TOOL)
    with pytest.raises(pytest.fail.Exception, match=f"{NO_MODULE} is not installed"):
        requires(NO_MODULE)
    with pytest.raises(pytest.fail.Exception, match="openai-whisper is not installed"):
        requires(NO_MODULE, package="openai-whisper")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_outside_ci_a_missing_tool_or_package_skips_with_its_message(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match=f"{NO_TOOL} is not installed"):
        require_tool(NO_TOOL)
    with pytest.raises(pytest.skip.Exception, match=f"{NO_MODULE} is not installed"):
        requires(NO_MODULE)


def test_a_configuration_skip_stays_a_skip_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.skip.Exception, match="external"):
        skip_configuration("PostgreSQL is external")


def test_what_is_there_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert requires("json").dumps([]) == "[]"
    assert Path(require_tool("python")).name.startswith("python")


@pytest.mark.parametrize(("ci", "outcome"), [("true", "failed"), ("false", "skipped")])
def test_a_real_run_fails_under_ci_and_skips_elsewhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str
) -> None:
    """In a pytest run of its own: a requirement missing in a test, in a fixture and at module level."""
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(
        test_in_test=f"""
            from tests.tools import requires

            def test_needs_a_package():
                requires("{NO_MODULE}")
        """,
        test_in_fixture=f"""
            import pytest
            from tests.tools import require_tool

            @pytest.fixture
            def tool():
                return require_tool("{NO_TOOL}")

            def test_needs_a_tool(tool):
                pass
        """,
        test_at_module_level=f"""
            from tests.tools import requires

            requires("{NO_MODULE}")

            def test_never_collected():
                pass
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", "--continue-on-collection-errors")
    text = result.stdout.str()
    if outcome == "failed":
        result.assert_outcomes(failed=1, errors=2)  # the fixture's failure and the module's are errors
        assert text.count("CI=true: a missing requirement fails instead of skipping") >= 3, text
    else:
        result.assert_outcomes(skipped=3)
    assert f"{NO_MODULE} is not installed" in text and f"{NO_TOOL} is not installed" in text, text


def test_no_test_skips_for_a_missing_requirement_around_the_rule() -> None:
    """`pytest.importorskip` and a bare `pytest.skip` would skip under CI too: every skip goes through
    tests/tools.py, `requires`/`require_tool` for what is installed, `skip_configuration` for the rest."""
    around = re.compile(r"\bimportorskip\(|\bpytest\.skip\(|find_spec\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name not in {"tools.py", "test_ci_skips.py"}
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if around.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_missing_works_at_module_level_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as raised:
        missing("a thing is not installed")
    assert raised.value.allow_module_level

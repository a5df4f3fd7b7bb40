"""`make mutation`: mutation testing of the domain and the use cases with mutmut (docs/testing.md).

mutmut 3 expects the package under `src/` of the folder it runs in, so this builds a staging folder
(`.mutation/` by default, never the working tree): a copy of shared/src/framewise as src/framewise,
of tests/ and of pyproject.toml, whose [tool.mutmut] table says what to mutate and which tests to run.
mutmut then writes its mutated copies under .mutation/mutants/; nothing in the working tree changes.

    python -m framewise_dev.mutation                       # fresh staging folder, every mutant
    python -m framewise_dev.mutation 'framewise.domain.*'  # only these mutants (mutmut's globs)
    python -m framewise_dev.mutation --keep NAME ...       # reuse the last run: new tests, same mutants
    python -m framewise_dev.mutation --keep --unchecked    # go on with the mutants an interrupted run left
    python -m framewise_dev.mutation --summary             # the last run's figures, nothing run

It prints, per folder, killed / total, survived, timeouts, mutants no test reaches and those not run
yet, then the names of the survivors (`mutmut show NAME` in .mutation/ prints a survivor's diff).
"""

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FOLDERS = {"domain": "framewise.domain.", "application/use_cases": "framewise.application.use_cases."}
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout"}
STATUS |= dict.fromkeys((24, -24, 152, 255), "timeout")
COLUMNS = ("killed", "survived", "timeout", "no tests", "not run", "other")


def stage(staging: Path, *, fresh: bool) -> None:
    """Copy the sources (on a fresh run), the tests and the configuration into the staging folder."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    if fresh:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(ROOT / "shared/src/framewise", staging / "src/framewise", ignore=ignore)
    shutil.rmtree(staging / "tests", ignore_errors=True)
    shutil.copytree(ROOT / "tests", staging / "tests", ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", staging / "pyproject.toml")


def results(staging: Path) -> dict[str, int | None]:
    """Every mutant's exit code from mutmut's .meta files (None: not run yet)."""
    found: dict[str, int | None] = {}
    for meta in sorted((staging / "mutants/src/framewise").rglob("*.py.meta")):
        found |= json.loads(meta.read_text())["exit_code_by_key"]
    return found


def summary(found: dict[str, int | None]) -> str:
    lines = [f"{'folder':24}{'score':>18}" + "".join(f"{c:>10}" for c in COLUMNS)]
    survivors: list[str] = []
    for folder, prefix in FOLDERS.items():
        codes = {name: code for name, code in found.items() if name.startswith(prefix)}
        counts = Counter(STATUS.get(code, "other") if code is not None else "not run" for code in codes.values())
        killed = counts["killed"] + counts["timeout"]
        score = f"{killed}/{len(codes)} ({100 * killed / max(len(codes), 1):.1f}%)"
        lines.append(f"{folder:24}{score:>18}" + "".join(f"{counts[c]:>10}" for c in COLUMNS))
        survivors += sorted(
            n for n, code in codes.items() if code is not None and STATUS.get(code, "") in ("survived", "no tests")
        )
    lines.append("score: killed and timed out over all mutants")
    if survivors:
        lines += ["", f"survivors and untested ({len(survivors)}):", *(f"  {name}" for name in survivors)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("mutants", nargs="*", help="mutant names or globs, e.g. 'framewise.domain.task.*'")
    parser.add_argument("--staging", type=Path, default=ROOT / ".mutation", help="the staging folder")
    parser.add_argument("--keep", action="store_true", help="reuse the staging folder and mutmut's results")
    parser.add_argument("--unchecked", action="store_true", help="with --keep: only the mutants not run yet")
    parser.add_argument("--summary", action="store_true", help="print the last run's summary only")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut's worker processes")
    args = parser.parse_args(argv)
    staging: Path = args.staging.resolve()
    if not args.summary:
        keep = args.keep and (staging / "mutants").is_dir()
        stage(staging, fresh=not keep)
        names: list[str] = args.mutants
        if keep and args.unchecked:  # mutmut reruns every mutant it is given by name or glob: name only these
            patterns = args.mutants or ["*"]
            names = [
                n for n, c in results(staging).items() if c is None and any(fnmatch.fnmatch(n, p) for p in patterns)
            ]
            if not names:
                print(summary(results(staging)))
                return 0
        mutmut = Path(sys.executable).with_name("mutmut")
        command = [str(mutmut), "run", f"--max-children={args.max_children}", *names]
        started = time.monotonic()
        # mutmut prints a progress line many times a second; keep its output to a file and its verdicts.
        log = staging / "mutmut.log"
        with log.open("w") as out:
            code = subprocess.call(command, cwd=staging, stdout=out, stderr=subprocess.STDOUT, env=os.environ)
        print(f"mutmut ran {time.monotonic() - started:.0f} s (exit {code}; its output: {log})")
        if code != 0:
            print(log.read_text()[-4000:])
            return code
    print(summary(results(staging)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

""".ci/system-tools installs the Debian package of each missing tool and nothing else: a Node.js that
came with the machine (with its own npm) stays as it is, apt runs only when something is missing, and
where apt cannot provide a tool the script stops and names the tool and the package.

The selection runs over a fake PATH and a fake apt (stubs that record how they were called); one test
asks the real apt-get for a dry run of what the script selects on a machine where only node and npm
are there."""

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tools import skip_configuration

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "system-tools"
OTHER_TOOLS = {  # tool -> Debian package, for every tool but node and npm
    "espeak-ng": "espeak-ng",
    "docker-compose": "docker-compose",
    "nginx": "nginx",
    "promtool": "prometheus",
    "chromium": "chromium",
}
PACKAGE_TOOLS = {package: tool for tool, package in OTHER_TOOLS.items()} | {"nodejs": "node", "npm": "npm"}


def executable(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@dataclass
class Machine:
    """A fake machine: the tools on its PATH, its fonts, and an apt that records its calls and, on
    install, puts each package's tool on that PATH."""

    tools: Path
    fonts: Path
    apt_log: Path
    apt_get: Path
    apt_cache: Path

    def add(self, tool: str, body: str = "exit 0") -> None:
        executable(self.tools / tool, body)

    def add_font(self) -> None:
        (self.fonts / "truetype" / "dejavu").mkdir(parents=True, exist_ok=True)
        (self.fonts / "truetype" / "dejavu" / "DejaVuSans-Bold.ttf").write_bytes(b"font")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "FRAMEWISE_TOOLS_PATH": str(self.tools),
            "FRAMEWISE_FONTS_DIR": str(self.fonts),
            "APT_GET": str(self.apt_get),
            "APT_CACHE": str(self.apt_cache),
        }
        return subprocess.run(
            ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def apt_calls(self) -> list[list[str]]:
        if not self.apt_log.exists():
            return []
        return [line.split() for line in self.apt_log.read_text().splitlines()]


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    tools, fonts = tmp_path / "bin", tmp_path / "fonts"
    tools.mkdir()
    fonts.mkdir()
    log = tmp_path / "apt.log"
    mapping = " ".join(f"[{package}]={tool}" for package, tool in PACKAGE_TOOLS.items())
    apt_get = executable(
        tmp_path / "apt-get",
        f"""echo "$*" >> {log}
declare -A tool=({mapping})
if [ "$1" = install ]; then
  for arg in "$@"; do
    case "$arg" in -*|install) ;; *)
      printf '#!/bin/bash\\nexit 0\\n' > {tools}/"${{tool[$arg]:-$arg}}"; chmod +x {tools}/"${{tool[$arg]:-$arg}}";;
    esac
  done
fi""",
    )
    apt_cache = executable(
        tmp_path / "apt-cache",
        'if [ -n "$NO_CHROMIUM" ] && [ "$2" = chromium ]; then echo "  Candidate: (none)"\n'
        'else echo "  Candidate: 1.0-1"; fi',
    )
    return Machine(tools, fonts, log, apt_get, apt_cache)


def image_with_node(machine: Machine, version: str = "v20.20.2") -> None:
    """What the machine image ships: a Node.js with its own npm, and the fonts; nothing else."""
    machine.add("node", f'[ "$1" = --version ] && echo {version}')
    machine.add("npm", "echo 11.19.1")
    machine.add_font()


def test_with_node_and_npm_there_it_selects_only_the_other_tools(machine: Machine) -> None:
    image_with_node(machine)
    result = machine.run("--print")
    assert result.returncode == 0, result.stderr
    selected = dict(line.split() for line in result.stdout.splitlines())
    assert selected == OTHER_TOOLS  # never nodejs nor npm, which would conflict with the image's Node.js
    assert machine.apt_calls() == []  # --print asks apt nothing


def test_it_updates_once_then_installs_exactly_the_missing_packages(machine: Machine) -> None:
    image_with_node(machine)
    result = machine.run()
    assert result.returncode == 0, result.stderr
    calls = machine.apt_calls()
    assert calls[0] == ["update", "-qq"] and [c[0] for c in calls].count("update") == 1
    (install,) = [c for c in calls if c[0] == "install"]
    assert [a for a in install[1:] if not a.startswith("-")] == list(OTHER_TOOLS.values())
    assert "--no-install-recommends" in install
    assert all((machine.tools / tool).exists() for tool in OTHER_TOOLS)


def test_with_every_tool_there_apt_is_never_called(machine: Machine) -> None:
    image_with_node(machine)
    for tool in OTHER_TOOLS:
        machine.add(tool)
    result = machine.run()
    assert result.returncode == 0 and "nothing to install" in result.stderr
    assert machine.apt_calls() == []


def test_a_missing_font_is_its_package(machine: Machine) -> None:
    image_with_node(machine)
    for tool in OTHER_TOOLS:
        machine.add(tool)
    shutil.rmtree(machine.fonts / "truetype")
    assert machine.run("--print").stdout.split() == ["font:DejaVuSans-Bold.ttf", "fonts-dejavu-core"]


def test_on_a_bare_machine_node_and_npm_come_from_debian_together(machine: Machine) -> None:
    machine.add_font()
    selected = dict(line.split() for line in machine.run("--print").stdout.splitlines())
    assert selected == {**OTHER_TOOLS, "node": "nodejs", "npm": "npm"}


def test_npm_missing_beside_another_node_is_refused_not_replaced(machine: Machine) -> None:
    image_with_node(machine)
    (machine.tools / "npm").unlink()
    result = machine.run()
    assert result.returncode != 0
    assert "npm is missing but node is installed" in result.stderr and "would replace it" in result.stderr
    assert machine.apt_calls() == []


def test_a_node_too_old_is_named_and_left_alone(machine: Machine) -> None:
    image_with_node(machine, version="v18.19.0")  # Debian 12's: too old for the React UI's router
    result = machine.run()
    assert result.returncode != 0 and "node v18.19.0 is older than 20" in result.stderr
    assert machine.apt_calls() == []


def test_a_tool_apt_cannot_provide_stops_the_run_naming_tool_and_package(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_with_node(machine)
    monkeypatch.setenv("NO_CHROMIUM", "1")
    result = machine.run()
    assert result.returncode != 0
    assert "apt cannot provide chromium" in result.stderr and "Debian package chromium" in result.stderr
    assert [c[0] for c in machine.apt_calls()] == ["update"]  # nothing installed


def test_a_tool_still_missing_after_its_install_is_named(machine: Machine) -> None:
    image_with_node(machine)
    executable(machine.apt_get, f'echo "$*" >> {machine.apt_log}')  # installs nothing
    result = machine.run()
    assert result.returncode != 0
    assert "espeak-ng is still missing after installing the Debian package espeak-ng" in result.stderr


def test_the_real_apt_would_install_the_selection_beside_the_images_node_and_replace_nothing(
    machine: Machine,
) -> None:
    """`apt-get install --dry-run` of what the script selects when only node and npm are there."""
    apt_get, apt_cache = shutil.which("apt-get"), shutil.which("apt-cache")
    if apt_get is None or apt_cache is None:
        skip_configuration("not a Debian machine: no apt-get")
    lists = Path("/var/lib/apt/lists")
    if not any(lists.glob("*Packages*")):
        skip_configuration("apt has no package lists (apt-get update has never run here)")
    image_with_node(machine)
    env = {
        **os.environ,
        "FRAMEWISE_TOOLS_PATH": str(machine.tools),
        "FRAMEWISE_FONTS_DIR": str(machine.fonts),
        "APT_GET": apt_get,
        "APT_CACHE": apt_cache,
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert f"would install {' '.join(OTHER_TOOLS.values())} and replace nothing" in result.stderr


def test_ci_installs_through_the_script_alone_then_runs_the_readmes_test_command() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert "bash .ci/system-tools" in commands
    assert not [line for line in commands if "apt-get" in line or "apt " in line]  # no package list of its own
    assert commands[-1] == "make test" and "`make test`" in (ROOT / "README.md").read_text()

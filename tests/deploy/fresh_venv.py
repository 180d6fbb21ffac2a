"""Virtual environments made the way a newcomer's are: `python3 -m venv` with the pip it ships, then the Makefile's
own install steps (`make setup VENV=...`), so the steps tested are the steps the README gives."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from data360_chat.settings import PROJECT_ROOT

INSTALL_TIMEOUT = 900


def interpreter(version: str) -> str | None:
    """A working `pythonX.Y`: on PATH, else one installed by pyenv."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    for candidate in filter(None, candidates):
        done = subprocess.run([candidate, "-c", "import ensurepip, venv"], capture_output=True, check=False)
        if done.returncode == 0:
            return candidate
    return None


def pip_version(python: Path | str) -> str:
    """The version of the pip this interpreter runs."""
    done = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True, check=True)
    return done.stdout.split()[1]


def bundled_pip(python: str) -> str:
    """The version of the pip `python -m venv` installs (the one `ensurepip` carries)."""
    done = subprocess.run(
        [python, "-c", "import ensurepip; print(ensurepip.version())"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def new_venv(python: str, venv: Path) -> Path:
    """`python -m venv venv`, exactly as the Makefile's first step runs it; returns the venv's python."""
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
    return venv / "bin" / "python"


def start_make_setup(python: str, venv: Path, log: Path) -> subprocess.Popen:
    """Start `make setup` into `venv` (the Makefile's install steps), output to `log`."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL")}
    with log.open("w") as output:
        return subprocess.Popen(
            ["make", "--no-print-directory", "setup", f"VENV={venv}", f"PYTHON={python}"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )

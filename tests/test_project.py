"""Project-level guarantees: locked, hash-checked dependencies; every setting documented; CI runs `make test`."""

from __future__ import annotations

import re

from data360_chat.settings import PROJECT_ROOT, Settings

MALICIOUS_LITELLM = {"1.82.7", "1.82.8"}


def _requirements(name: str) -> dict[str, str]:
    text = (PROJECT_ROOT / name).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    pinned = {}
    for entry in entries:
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)", entry)
        if match:
            assert "--hash=sha256:" in entry, f"{match.group(1)} has no hash in {name}"
            pinned[match.group(1).lower()] = match.group(2)
    return pinned


def test_every_dependency_is_pinned_with_hashes():
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = [
            line
            for line in (PROJECT_ROOT / name).read_text().splitlines()
            if line and not line.startswith((" ", "#", "-"))
        ]
        assert lines, name
        assert all("==" in line for line in lines), [line for line in lines if "==" not in line]
        assert _requirements(name)


def test_the_malicious_litellm_releases_cannot_be_installed():
    assert _requirements("requirements.txt")["litellm"] not in MALICIOUS_LITELLM
    spec = next(line for line in (PROJECT_ROOT / "requirements.in").read_text().splitlines() if "litellm" in line)
    assert all(f"!={version}" in spec for version in MALICIOUS_LITELLM)


def test_readme_documents_every_setting_and_both_commands():
    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in readme]
    assert missing == []
    assert "make run" in readme and "make test" in readme


def test_ci_runs_the_readme_test_command():
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()

"""Build the image with podman from a Debian base made on this machine, so no image registry is needed.

    python3 -m deploy.image build          # the base (once), then the Dockerfile as it is; prints time and size
    python3 -m deploy.image build --new-base

The base is `mmdebstrap --variant=minbase bookworm` (what `debian:bookworm-slim` is), imported with `podman
import` and passed to the Dockerfile as its BASE build argument. The machine's own extra CA certificates
(`/usr/local/share/ca-certificates`) go into the base, with the variables that make pip, npm and bun trust the
system bundle, so a build behind a TLS-inspecting proxy reaches PyPI and npm. Podman runs with runc when it is
installed and with this machine's own limits on open files and processes, which also works where crun cannot
handle the cgroup layout or raising limits is not allowed.

Standard library only: runs with the machine's python3, before any venv exists.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IMAGE = os.environ.get("IMAGE", "localhost/data360-chat:latest")
BASE_IMAGE = "localhost/data360-base:bookworm"
BUILD_STAGE = "localhost/data360-chat-build:latest"
LABEL = "org.opencontainers.image.title=Data360 Chat"
SUITE = "bookworm"
MIRRORS = [
    f"deb http://deb.debian.org/debian {SUITE} main",
    f"deb http://deb.debian.org/debian {SUITE}-updates main",
    f"deb http://deb.debian.org/debian-security {SUITE}-security main",
]
EXTRA_CAS = Path("/usr/local/share/ca-certificates")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
TRUST_VARIABLES = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")
PODMAN_DEFAULT_NPROC = 32768


def podman(*arguments: str) -> list[str]:
    """A podman command line with the runtime that works here (runc when installed)."""
    runtime = ["--runtime", "runc"] if shutil.which("runc") else []
    return ["podman", *runtime, *arguments]


def limits() -> list[str]:
    """`--ulimit` options within this process's own hard limits (podman's defaults may exceed them)."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = min(resource.getrlimit(resource.RLIMIT_NPROC)[1], PODMAN_DEFAULT_NPROC)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", f"nproc={nproc}:{nproc}"]


def run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    """Run a command, showing it, and stop with its exit code if it fails."""
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, text=True, check=False, **options)  # type: ignore[call-overload]
    if done.returncode:
        raise SystemExit(done.returncode)
    return done


def image_exists(name: str) -> bool:
    """Whether podman has this image."""
    return subprocess.run(podman("image", "exists", name), check=False).returncode == 0


def extra_cas() -> list[Path]:
    """This machine's own CA certificates, beyond Debian's."""
    return sorted(EXTRA_CAS.rglob("*.crt")) if EXTRA_CAS.is_dir() else []


def build_base() -> None:
    """Make the Debian base with mmdebstrap and import it as `BASE_IMAGE`."""
    missing = [tool for tool in ("mmdebstrap", "podman") if not shutil.which(tool)]
    if missing:
        raise SystemExit(f"Please install {' '.join(missing)} (apt-get install -y mmdebstrap podman runc).")
    hooks = [
        "--customize-hook=rm -rf $1/var/lib/apt/lists/* $1/var/cache/apt/*.bin $1/usr/share/doc/* $1/usr/share/man/*"
    ]
    changes: list[str] = []
    if cas := extra_cas():
        hooks.append(f"--customize-hook=mkdir -p $1{EXTRA_CAS}")
        hooks += [f"--customize-hook=copy-in {ca} {EXTRA_CAS}" for ca in cas]
        changes = [option for name in TRUST_VARIABLES for option in ("--change", f"ENV {name}={SYSTEM_BUNDLE}")]
    with tempfile.TemporaryDirectory(prefix="data360-base-") as folder:
        tarball = Path(folder) / "rootfs.tar"
        run(["mmdebstrap", "--quiet", "--variant=minbase", *hooks, SUITE, str(tarball), *MIRRORS])
        run(podman("import", *changes, "--change", 'CMD ["bash"]', str(tarball), BASE_IMAGE))


def image_size(name: str) -> int:
    """The image's size in bytes, as podman reports it."""
    done = subprocess.run(podman("image", "inspect", name), capture_output=True, text=True, check=True)
    return int(json.loads(done.stdout)[0]["Size"])


def leftovers() -> list[str]:
    """Untagged images of this Dockerfile's (it labels every image it makes) that nothing builds on."""
    command = podman("images", "--quiet", "--filter", "dangling=true", "--filter", f"label={LABEL}")
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout.split()


def build_image(*, new_base: bool = False) -> None:
    """The base if needed, then `podman build` of the Dockerfile unchanged; prints the times and the size.

    The build stage gets a tag too (from the cache, in a moment), so it stays as the next build's cache while the
    untagged images earlier builds left behind go.
    """
    started = time.monotonic()
    if new_base or not image_exists(BASE_IMAGE):
        build_base()
    base_done = time.monotonic()
    build = podman("build", *limits(), "--format", "docker", "--build-arg", f"BASE={BASE_IMAGE}")  # docker: HEALTHCHECK
    run([*build, "--tag", IMAGE, str(PROJECT_ROOT)])
    done = time.monotonic()
    run([*build, "--target", "build", "--tag", BUILD_STAGE, str(PROJECT_ROOT)], stdout=subprocess.DEVNULL)
    for image in leftovers():
        subprocess.run(podman("rmi", image), capture_output=True, check=False)
    size = image_size(IMAGE)
    print(
        f"image {IMAGE}: {size / 1e6:.0f} MB; base {base_done - started:.0f} s, "
        f"image build {done - base_done:.0f} s, total {done - started:.0f} s",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python3 -m deploy.image", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the base (once) and the image")
    build.add_argument("--new-base", action="store_true", help="make the Debian base again")
    args = parser.parse_args(argv)
    if args.command == "build":
        build_image(new_base=args.new_base)
    return 0


if __name__ == "__main__":
    sys.exit(main())

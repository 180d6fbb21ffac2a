"""Debian's nginx on loopback, running `deploy/nginx.conf` as it is: only the upstream addresses (one app server or
several), the listen addresses, the https port in the redirect and the certificate paths are replaced; a
self-signed certificate stands in. Each response says which app server answered (`X-Upstream`, also logged)."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from data360_chat.settings import PROJECT_ROOT

SITE = PROJECT_ROOT / "deploy" / "nginx.conf"
MAIN = """
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format upstream '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                        '"$http_referer" "$http_user_agent" upstream=$upstream_addr';
    access_log {prefix}/access.log upstream;
    add_header X-Upstream $upstream_addr always;  # which app server answered (tests of several replicas)
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""


@dataclass(frozen=True)
class Proxy:
    """nginx serving the app at `https_url` (and redirecting `http_url` there)."""

    http_url: str
    https_url: str
    prefix: Path

    def access_log(self) -> str:
        """What nginx logged so far."""
        return (self.prefix / "access.log").read_text(errors="replace")


def nginx_binary() -> str:
    """Debian's nginx (`make test` installs it)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        raise RuntimeError("nginx is not installed (make test installs it: apt-get install nginx)")
    return found


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def site_config(app_ports: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """`deploy/nginx.conf` pointed at these app servers (round-robin), these loopback ports and this certificate."""
    text = SITE.read_text()
    replacements = {
        "server 127.0.0.1:3000;": "\n    ".join(f"server 127.0.0.1:{port};" for port in app_ports),
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "return 301 https://$host$request_uri;": f"return 301 https://$host:{https_port}$request_uri;",
        "/etc/ssl/certs/chat.example.org.pem": str(cert),
        "/etc/ssl/private/chat.example.org.key": str(key),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def nginx(prefix: Path, app_port: int | list[int], http_port: int, https_port: int) -> Iterator[Proxy]:
    """nginx in the foreground with its files under `prefix` in front of one app server (or several, taken in
    turn), stopped afterwards."""
    prefix.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_certificate(prefix)
    app_ports = app_port if isinstance(app_port, list) else [app_port]
    (prefix / "site.conf").write_text(site_config(app_ports, http_port, https_port, cert, key))
    user = "user root;" if os.geteuid() == 0 else ""  # workers keep access to this private prefix
    (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix, user=user))
    binary = nginx_binary()
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    subprocess.run([*command, "-t"], check=True, capture_output=True)
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE)
    proxy = Proxy(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", prefix)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {process.stderr.read().decode() if process.stderr else ''}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{proxy.https_url}/healthz", verify=False, timeout=2)
                break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not answer within 20 s")
            time.sleep(0.2)
        yield proxy
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
            process.wait()

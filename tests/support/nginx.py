"""A real nginx for the tests (Debian's ``nginx`` package) running the shipped
``deploy/nginx.conf`` on a free loopback port.

The configuration is generated from the shipped file by replacing exactly what differs on
a test machine: the two upstream addresses (propdesk under gunicorn, the oauth2-proxy
stand-in), the ``listen`` address and port, the TLS files, the /api/ log path and, for a
propdesk with a smaller ``PROPDESK_MAX_UPLOAD_BYTES``, the publish route's body limit (the
file says to change the two together). Every replacement must match exactly once, so a
change to the shipped file that the generator does not know fails loudly instead of testing
something else.

nginx started as root runs its workers as ``nobody``: the folder of the run (temp paths for
buffered bodies, logs, pid) is a 0755 folder under /tmp, not pytest's 0700 temp folder,
which the workers could not reach (a 500 on the first buffered POST).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.support.servers import ROOT, free_port, stop_process, wait_until
from tests.support.tools import not_installed

SHIPPED = ROOT / "deploy" / "nginx.conf"
INSTALL_HINT = "apt install nginx"

MAIN = """\
daemon off;
worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    access_log {root}/access.log;
    include {root}/propdesk.conf;
}}
"""


def find_nginx() -> str | None:
    """The nginx binary (Debian puts it in /usr/sbin, not always on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with its one occurrence of ``old`` replaced; an error when it has none or
    several (the shipped file changed in a way the generator must learn)."""
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"deploy/nginx.conf holds {old!r} {count} times, expected once")
    return text.replace(old, new)


def local_config(
    shipped: str,
    *,
    port: int,
    propdesk: str,
    sso: str,
    cert: Path,
    key: Path,
    logs: Path,
    publish_limit: int | None = None,
) -> str:
    """The shipped server configuration with this machine's addresses, port, TLS and paths,
    and the publish route's body limit for the propdesk behind it (the shipped 513m is the
    default PROPDESK_MAX_UPLOAD_BYTES plus 1 MiB; ``publish_limit`` is that sum for another
    upload limit)."""
    text = replace_once(shipped, "server propdesk:8000;", f"server {propdesk};")
    text = replace_once(text, "server oauth2-proxy:4180;", f"server {sso};")
    text = replace_once(text, "listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    text = replace_once(text, "/etc/nginx/tls/tools.example.com.crt", str(cert))
    text = replace_once(text, "/etc/nginx/tls/tools.example.com.key", str(key))
    if publish_limit is not None:
        text = replace_once(
            text, "client_max_body_size 513m;", f"client_max_body_size {publish_limit};"
        )
    return replace_once(text, "/var/log/nginx/propdesk-api.log", str(logs / "api.log"))


class NginxProcess:
    """nginx in the foreground (``daemon off``) with the generated configuration; ``url``
    is its https base, ``root`` the folder of its logs."""

    def __init__(
        self,
        exe: str,
        *,
        propdesk: str,
        sso: str,
        cert: Path,
        key: Path,
        publish_limit: int | None = None,
    ) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="propdesk-nginx-", dir="/tmp"))
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        try:  # a configuration nginx refuses, or an nginx that dies: no folder left behind
            self.root.chmod(0o755)
            conf = local_config(
                SHIPPED.read_text(),
                port=self.port,
                propdesk=propdesk,
                sso=sso,
                cert=cert,
                key=key,
                logs=self.root,
                publish_limit=publish_limit,
            )
            self._start(exe, conf)
        except BaseException:
            if hasattr(self, "proc"):
                self.stop()
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _start(self, exe: str, conf: str) -> None:
        """Write the configuration, have nginx check it (``-t``), start it and wait until
        it listens."""
        (self.root / "propdesk.conf").write_text(conf)
        (self.root / "nginx.conf").write_text(MAIN.format(root=self.root))
        cmd = [exe, "-p", str(self.root), "-c", str(self.root / "nginx.conf")]
        cmd += ["-e", str(self.root / "error.log")]
        checked = subprocess.run([*cmd, "-t"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration: {checked.stderr}")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(self._listening, timeout=15):
            raise RuntimeError(f"nginx did not start: {self.error_log()[-2000:]}")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {self.error_log()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def error_log(self) -> str:
        return self._read("error.log")

    def api_log(self) -> str:
        """The shipped /api/ access log."""
        return self._read("api.log")

    def access_log(self) -> str:
        """The access log of everything else (set by the test's ``http`` block)."""
        return self._read("access.log")

    def _read(self, name: str) -> str:
        path = self.root / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        stop_process(self.proc)
        shutil.rmtree(self.root, ignore_errors=True)


def require_nginx() -> str:
    """The nginx binary; without it the test skips with one line (fails in CI)."""
    exe = find_nginx()
    if exe is None:
        not_installed(
            "nginx is missing in CI: .ci/run should have installed it",
            f"nginx tests skipped: no nginx ({INSTALL_HINT})",
        )
    return exe

"""Wait for a propdesk on a local port, then log in as admin and see the projects.

Used by ``container-check.sh`` for each way it runs the image:
``python deploy/login_check.py PORT LABEL``; exits non-zero with the reason on failure."""

import re
import sys
import time

import requests


def main(port: str, label: str) -> None:
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            if requests.get(base + "/healthz", timeout=2).json() == {"status": "ok"}:
                break
        except requests.RequestException:
            pass
        if time.time() > deadline:
            sys.exit(f"{label}: /healthz never answered")
        time.sleep(0.5)
    s = requests.Session()
    page = s.get(base + "/login", timeout=10)
    if page.status_code != 200 or "Log in" not in page.text:
        sys.exit(f"{label}: no login page (HTTP {page.status_code})")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    if token is None:
        sys.exit(f"{label}: no CSRF token on the login page")
    r = s.post(
        base + "/login",
        data={"username": "admin", "password": "changeme", "csrf_token": token.group(1)},
        timeout=10,
    )
    if r.status_code != 200 or "checkout-service" not in r.text:
        sys.exit(f"{label}: login did not reach the projects (HTTP {r.status_code})")
    if s.get(base + "/readyz", timeout=10).json().get("status") != "ok":
        sys.exit(f"{label}: /readyz is not ok")
    print(f"   {label}: /healthz and /readyz ok, logged in as admin and saw the projects")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

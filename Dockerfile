# propdesk container image.
#   docker build -t propdesk .                       (default base: a slim Python 3.12)
#   docker build --build-arg BASE=... --secret id=pip_ca,src=corp-ca.pem -t propdesk .
# The optional pip_ca secret is an extra CA for pip behind a TLS-intercepting proxy; as a
# build secret it is never written into any layer.
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY app ./app
# Dependencies only (pinned in pyproject.toml); the app itself runs from /srv/propdesk,
# and the `propdesk` command (serve, db upgrade, db current) is a small script that runs it
# from there.
# GET /api/v1/version names the build: docker build --build-arg BUILD_ID=... --build-arg
# BUILD_USER=... (written with the version into /opt/venv/propdesk-build.json).
ARG BUILD_ID=dev
ARG BUILD_USER=docker
RUN --mount=type=secret,id=pip_ca,required=false \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi; \
    python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install . \
    && BUILD_ID="$BUILD_ID" BUILD_USER="$BUILD_USER" /opt/venv/bin/python -c 'import json, os; \
from importlib.metadata import version; \
print(json.dumps({"id": os.environ["BUILD_ID"], "builduser": os.environ["BUILD_USER"], \
"version": version("propdesk")}))' > /opt/venv/propdesk-build.json \
    && /opt/venv/bin/pip uninstall -y propdesk \
    && printf '%s\n' '#!/opt/venv/bin/python' '"""propdesk, run from /srv/propdesk."""' \
        'import sys' 'sys.path.insert(0, "/srv/propdesk")' 'from app.cli import main' \
        'sys.exit(main())' > /opt/venv/bin/propdesk \
    && chmod 0755 /opt/venv/bin/propdesk

FROM ${BASE}
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/propdesk \
    PROPDESK_BIND=0.0.0.0:8000 \
    PROPDESK_DATA_DIR=/var/lib/propdesk \
    PROPDESK_SESSION_DIR=/var/lib/propdesk/sessions \
    PROMETHEUS_MULTIPROC_DIR=/tmp/propdesk-metrics
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin propdesk \
    && mkdir -p /var/lib/propdesk/sessions \
    && chown -R 10001:10001 /var/lib/propdesk \
    && chmod 0700 /var/lib/propdesk /var/lib/propdesk/sessions
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/propdesk
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
USER 10001:10001
EXPOSE 8000
# propdesk's data: the SQLite journal (PROPDESK_DATA_DIR) and the file sessions. The root
# filesystem may be read-only; this volume and /tmp must be writable.
VOLUME ["/var/lib/propdesk"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["python3", "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"]

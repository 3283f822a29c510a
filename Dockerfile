# Minimal image for now; the deployment issue completes it (multi-stage, non-root, healthcheck).
ARG BASE=python:3.12-slim
FROM ${BASE}
ENV PYTHONUNBUFFERED=1
WORKDIR /srv/propdesk
COPY pyproject.toml README.md LICENSE ./
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY deploy ./deploy
RUN python3 -m pip install --no-cache-dir .
CMD ["python3", "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"]

# syntax=docker/dockerfile:1.7
FROM python:3.12-slim@sha256:2be8daddbb82756f7d1f2c7ece706aadcb284bf6ab6d769ea695cc3ed6016743 AS base

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked <<EOF
set -eu
apt-get update
apt-get install -y --no-install-recommends tini=0.19.0-1
EOF

WORKDIR /app
COPY --link requirements.lock .
RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \
    pip install --require-hashes -r requirements.lock

COPY <<'CONF' /etc/app/app.toml
[server]
bind = "0.0.0.0:8000"
CONF

COPY --chown=10001:10001 src/ ./src/
USER 10001:10001
HEALTHCHECK --interval=30s CMD ["python", "-m", "app.health"]
ENTRYPOINT ["tini", "--", "python", "-m", "app"]

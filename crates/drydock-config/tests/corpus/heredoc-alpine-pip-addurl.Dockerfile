# syntax=docker/dockerfile:1.7
FROM python:3.12-alpine3.19 AS wheels
RUN <<EOF
set -eux
apk add build-base libffi-dev
pip wheel --wheel-dir /wheels cryptography==42.0.5 cffi
EOF

FROM python:3.12-alpine3.19
ADD --checksum=sha256:24454f0ba7b4f2d4bc6a9b6e1a5aa6a4c6ad1a98c1d67d0b5a3d1f6a5c9e7d21 \
    https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /sbin/tini
ADD https://raw.githubusercontent.com/acme/ops/main/entrypoint.sh /entrypoint.sh
COPY --from=wheels /wheels /wheels
RUN <<EOF
apk add ca-certificates
pip install /wheels/*.whl gunicorn
chmod 0755 /sbin/tini /entrypoint.sh
adduser -D -u 10001 app
EOF
COPY --from=ghcr.io/acme/static-assets /assets /srv/assets
USER app
ENTRYPOINT ["/sbin/tini", "--", "/entrypoint.sh"]

# CustomerGlu integration sandbox: one container, SQLite store on the /data volume.
# An exact tag (not a floating one): the image builds the same next month.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SANDBOX_BIND=0.0.0.0 \
    SANDBOX_PORT=8080 \
    SANDBOX_DATA_DIR=/data \
    SANDBOX_FIXTURES_DIR=/app/fixtures \
    SANDBOX_DOCS_DIR=/app/site

WORKDIR /app
COPY pyproject.toml README.md app.py ./
COPY sandbox ./sandbox
COPY fixtures ./fixtures
COPY mkdocs.yml ./
COPY docs ./docs
# gnupg: encrypted failure reports, readiness reports and secrets (python-gnupg drives gpg);
# the slim image has none, and its user cannot install one later.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gnupg \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir . \
    && NO_MKDOCS_2_WARNING=1 python -m mkdocs build --strict -q -d /app/site \
    && groupadd --system sandbox \
    && useradd --system --gid sandbox --home-dir /app --shell /usr/sbin/nologin sandbox \
    && mkdir -p /data \
    && chown sandbox:sandbox /data

USER sandbox
VOLUME ["/data"]
EXPOSE 8080

# On the port the sandbox listens on (SANDBOX_PORT, 8080 unless the run sets another).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('SANDBOX_PORT') or '8080'; sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/_sandbox/health', timeout=2).status == 200 else 1)"]

CMD ["python", "-m", "sandbox", "serve"]

# CustomerGlu integration sandbox: one container, SQLite store on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SANDBOX_BIND=0.0.0.0 \
    SANDBOX_PORT=8080 \
    SANDBOX_DATA_DIR=/data \
    SANDBOX_FIXTURES_DIR=/app/fixtures

WORKDIR /app
COPY pyproject.toml README.md app.py ./
COPY sandbox ./sandbox
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . \
    && groupadd --system sandbox \
    && useradd --system --gid sandbox --home-dir /app --shell /usr/sbin/nologin sandbox \
    && mkdir -p /data \
    && chown sandbox:sandbox /data

USER sandbox
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/_sandbox/health', timeout=2).status == 200 else 1)"]

CMD ["python", "-m", "sandbox", "serve"]

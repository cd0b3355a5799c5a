# Pingyi: one image for the web app and the operator CLI.
FROM python:3.11-slim AS build
WORKDIR /src
# Everything is installed into a virtual environment that the final stage copies whole, so that
# no wheel or build tool is left behind in the image.
RUN python -m venv /opt/pingyi
# The dependencies first, in a layer of their own: it is rebuilt when pyproject.toml changes,
# not on every change to the code.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > requirements.txt \
 && /opt/pingyi/bin/pip install --no-cache-dir -r requirements.txt
COPY README.md ./
COPY survey ./survey
COPY scoring ./scoring
COPY web ./web
COPY migrations ./migrations
RUN /opt/pingyi/bin/pip install --no-cache-dir --no-deps . \
 && /opt/pingyi/bin/pip uninstall --yes pip setuptools

FROM python:3.11-slim
# PINGYI_PORT: the port the server listens on and the health check asks.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PINGYI_DATA_DIR=/data \
    PINGYI_PORT=8000 \
    PATH=/opt/pingyi/bin:$PATH
RUN useradd --system --create-home --uid 10001 pingyi \
 && mkdir -p /data && chown pingyi /data
COPY --from=build /opt/pingyi /opt/pingyi
USER pingyi
VOLUME ["/data"]
EXPOSE 8000
# Configuration comes from the environment: PINGYI_SECRET_KEY (required), PINGYI_DATABASE_URL,
# PINGYI_REDIS_URL, PINGYI_PUBLIC_BASE_URL, PINGYI_DEFAULT_LANGUAGE. Run `pingyi migrate` once
# per release (for example as an init container) before starting the servers: without it the
# server refuses to start and the container exits with a non-zero code.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,sys,urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ['PINGYI_PORT']; sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"
# A shell reads PINGYI_PORT, then `exec` makes the server process 1, which receives the stop signal.
CMD ["sh", "-c", "exec pingyi serve --host 0.0.0.0 --port \"$PINGYI_PORT\" --workers 2"]

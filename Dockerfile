# Pingyi: one image for the web app and the operator CLI.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY survey ./survey
COPY scoring ./scoring
COPY web ./web
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PINGYI_DATA_DIR=/data
RUN useradd --system --create-home --uid 10001 pingyi \
 && mkdir -p /data && chown pingyi /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER pingyi
VOLUME ["/data"]
EXPOSE 8000
# Configuration comes from the environment: PINGYI_SECRET_KEY (required), PINGYI_DATABASE_URL,
# PINGYI_REDIS_URL, PINGYI_PUBLIC_BASE_URL, PINGYI_DEFAULT_LANGUAGE. Run `pingyi migrate` once
# per release (for example as an init container) before starting the servers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["pingyi", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]

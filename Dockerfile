# Data360 Chat in one image: page, websocket and API on one port (3000), an embedded PostgreSQL on a volume.
#
#   docker build -t data360-chat .                  # or `make image` (podman, with a base built from Debian packages)
#   docker run -p 3000:3000 -v data360-data:/data data360-chat
#
# The build runs the Makefile's own set-up (`make setup`: hash-checked packages, bun from the npm registry) and
# exports the page once (`build-frontend`), so a container starts in seconds and needs no registry. At start:
# embedded PostgreSQL in /data unless DATABASE_URL is set, migrations, the offline Data360 MCP server unless
# DATA360_MCP_URL is set, then the app on PORT. SIGTERM: answers being written are kept as cancelled, then exit.
#
# BASE: any Debian bookworm image. PUBLIC_URL: the address the page is served at, when it is plain http on a port
# other than 3000 (over https on the default port, or on port 3000, the page needs nothing).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
LABEL org.opencontainers.image.title="Data360 Chat"
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates make npm python3.11 python3.11-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY Makefile requirements-pip.txt requirements.txt ./
COPY tools/package.json tools/package-lock.json tools/
RUN make setup PYTHON=python3.11
COPY . .
ARG PUBLIC_URL=
RUN PUBLIC_URL="${PUBLIC_URL}" .venv/bin/python -m data360_chat build-frontend \
    && .venv/bin/python -m compileall -q data360_chat alembic rxconfig.py \
    && rm -rf tools/node_modules .web/node_modules .web/bun.lock .states

FROM ${BASE}
LABEL org.opencontainers.image.title="Data360 Chat"
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3.11 tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 10001 --user-group app \
    && install -d -o app -g app -m 0700 /data
COPY --from=build /app /app
WORKDIR /app
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/data LOG_FORMAT=json PYTHONUNBUFFERED=1 PATH=/app/.venv/bin:${PATH} \
    REFLEX_STATES_WORKDIR=/tmp/reflex-states
USER app
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/readyz' % os.environ['PORT'], timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--"]
CMD ["python", "-m", "data360_chat", "serve", "--prebuilt"]

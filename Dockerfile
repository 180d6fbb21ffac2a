# Data360 Chat in one container. Same steps as the Makefile: `make setup` (locked, hash-checked packages and bun),
# then `make run` (embedded PostgreSQL unless DATABASE_URL is set, migrations, offline MCP server unless
# DATA360_MCP_URL is set, the app on PORT).
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends make npm \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 app

WORKDIR /app
COPY --chown=app:app requirements.txt Makefile ./
COPY --chown=app:app tools/package.json tools/package-lock.json tools/
USER app
RUN make setup PYTHON=python3.11

COPY --chown=app:app . .
ENV PORT=3000 DATA_DIR=/app/.data
VOLUME ["/app/.data"]
EXPOSE 3000
CMD ["make", "run"]

# syntax=docker/dockerfile:1.4
# hlmm in a container: one image, two services (collector, paper bot) in docker-compose.yml.
# Build: docker build -t hlmm .      Run: see docs/docker.md.

# ---- build: compile the native SQLite binding and bundle the TypeScript ------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would bundle src/, which is not copied yet; the two packages with install steps are
# rebuilt explicitly instead.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
RUN node scripts/build.mjs && npm prune --omit=dev

# ---- run ---------------------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# What bin/hlmm's shebang sets (the ENTRYPOINT below runs node directly, past it): glibc backs large buffers with
# transparent huge pages, so the first touch of the event cache's memory costs a fault per 2 MiB, not per 4 KiB.
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/package.json ./package.json
COPY config ./config
# The container's config: paper trading with every file on the /data volume, and the API listening on all
# interfaces *inside* the container on 8080, Freqtrade's port (docker-compose.yml publishes it on 127.0.0.1:3004
# only). The bot reads /data/market, which the collector service records; it never writes there itself. The API password and JWT
# secret are not here: they come from HLMM_API_PASSWORD and HLMM_API_JWT_SECRET_KEY, and the bot refuses to start
# on 0.0.0.0 without strong ones.
COPY <<CONFIG /app/config/docker.json
{
  "ticker": "BTC",
  "dry_run": true,
  "bot_name": "hlmm-btc-paper",
  "params_file": "/data/params/params_BTC.json",
  "db_file": "/data/hlmm.sqlite",
  "dry_run_wallet": 1000,
  "collector": { "collect_dir": null, "read_dir": "/data/market", "recalibrate_daily": true },
  "logging": { "level": "info", "file": "/data/logs/hlmm.jsonl", "quote_log_interval_s": 5 },
  "api_server": {
    "enabled": true,
    "listen_ip_address": "0.0.0.0",
    "listen_port": 8080,
    "username": "hlmm",
    "CORS_origins": []
  }
}
CONFIG
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["node", "bin/hlmm"]
CMD ["--help"]

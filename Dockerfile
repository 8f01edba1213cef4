# The vtmigrate worker image (used by temporal-compose.yml). Built from this repository:
#   docker build -t vtmigrate .
# Debian (glibc), because the Temporal worker's native core does not run on musl/Alpine.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# The runtime image keeps production dependencies, the compiled code and the prebuilt
# workflow bundle; no compiler, no sources needed.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Its configuration (with passwordEnv / passwordFile, never inline passwords) is mounted here.
VOLUME ["/etc/vtmigrate"]
USER node
# SIGTERM drains the worker: running activities checkpoint and stop, then it exits.
STOPSIGNAL SIGTERM
# The heap flags: see src/worker-heap.ts (keep the worker under 300 MB RSS and its GC cheap).
CMD ["node", "--max-old-space-size=512", "--max-semi-space-size=4", "--heap-growing-percent=100", "bin/vtmigrate.js", "worker", "--config", "/etc/vtmigrate/worker.json"]

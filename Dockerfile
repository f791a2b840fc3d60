# syntax=docker/dockerfile:1
# Identity provider image: compiled JavaScript on the Node.js LTS image, running as a non-root user.
#
#   docker build -t idp .
#   docker run -p 3000:3000 -v idp-data:/data idp                      # embedded mode (PGlite in /data)
#   docker run -p 3000:3000 -e ISSUER=https://id.example.com -e TRUST_PROXY=true \
#     -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... -e SERVER_SECRET=... idp   # production mode
#   docker exec <container> idp client list                            # the CLI, inside the container
#
# Node 24 LTS is the default; Node 22.14+ LTS also works (--build-arg NODE_IMAGE=node:22-bookworm-slim).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: install everything, compile TypeScript to dist/, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: bcrypt, esbuild and @swc/core all ship prebuilt binaries that work without them.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: only what `node dist/main.js` and `bin/idp.js` read ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Application files stay owned by root: the service user can read them, not change them.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY views ./views
COPY public ./public
COPY bin ./bin
# /data holds the embedded database, the generated server secret and the CLI control socket (0600).
RUN mkdir -p /data \
 && chown node:node /data \
 && chmod 0700 /data \
 && chmod 0755 /app/bin/idp.js \
 && ln -s /app/bin/idp.js /usr/local/bin/idp
USER node
VOLUME ["/data"]
EXPOSE 3000
# /healthz answers while the process lives; /readyz (for load balancers) also checks the stores.
# The first start in embedded mode opens PGlite and runs migrations, which can take 10-20 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The server drains in-flight requests on SIGTERM (up to SHUTDOWN_TIMEOUT_MS, 10 s by default).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]

# syntax=docker/dockerfile:1
# The pubsub-bench CLI as a container image. ENTRYPOINT is the CLI, so `docker run IMAGE run …` and a Kubernetes
# container's `args` are its arguments. Build from the repository root:
#   docker build -t pubsub-bench:0.1.0 .
# The manifests in deploy/k8s run it as segments of one run and merge them (docs/scale-out.md).

# --- build: compile, then pack the package exactly as npm would publish it --------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are copied, and the dev tools' own install scripts
# (esbuild, for tsx) are not needed to compile.
RUN npm ci --ignore-scripts --no-audit --no-fund
# Everything `npm pack` ships (package.json "files") plus what the compiler reads; tests and benchmarks stay out.
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
COPY docs ./docs
COPY schema ./schema
COPY README.md CHANGELOG.md LICENSE docker-compose.cluster.yml ./
RUN npm run build \
 && mkdir -p /pkg \
 && npm pack --ignore-scripts --pack-destination /pkg \
 && mv /pkg/pubsub-bench-*.tgz /pkg/pubsub-bench.tgz

# --- runtime: the packed tarball with production dependencies only, no compiler, no sources --------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="pubsub-bench" \
      org.opencontainers.image.description="Load-testing and benchmarking harness for Redis Pub/Sub" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /pkg/pubsub-bench.tgz /tmp/pubsub-bench.tgz
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/pubsub-bench.tgz \
 && rm /tmp/pubsub-bench.tgz \
 && npm cache clean --force
# The image's `node` user (uid 1000), given by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
WORKDIR /home/node
ENTRYPOINT ["pubsub-bench"]
CMD ["--help"]

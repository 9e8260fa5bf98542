# syntax=docker/dockerfile:1
# One image for every Rivulet process: `rivulet ingress` (the default) or `rivulet worker <name>`.
#
# NOT RUN HERE: the machine this was written on has no Docker engine, so this file is untested.
#
#   docker build -t rivulet:local .
#   docker run --rm rivulet:local --help
#   docker run --rm -e KAFKA_BROKERS=... rivulet:local worker embedding
#
# The models are NOT in the image: the embedding model (all-MiniLM-L6-v2, ONNX) and the local chat
# model (SmolLM2-135M-Instruct, GGUF) are read from RIVULET_HOME/models (/var/lib/rivulet/models
# here), a volume that infra/k8s/fetch-models.sh fills: the compose service `models` and the
# Kubernetes Job `rivulet-models` run it. The ingress (POST /v1/embeddings), the ingestion worker
# (the tokenizer), the embedding worker and the generation worker (CHAT_PROVIDER=local) need it.
# Nor does the image install anything at start: topics, migrations and schemas are created by the
# compose service `setup` / the Job `rivulet-setup` (infra/k8s/README.md).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The native modules ship prebuilt CPU binaries in their packages: nothing is compiled, and
# node-llama-cpp's install step (which would probe, or build llama.cpp from source) is skipped.
# .npmrc skips onnxruntime-node's download of GPU binaries.
ENV NODE_LLAMA_CPP_SKIP_DOWNLOAD=true TURBO_TELEMETRY_DISABLED=1
COPY . .
# `npm ci` builds through the root `prepare` script; `npm run build` is then a turbo cache hit.
RUN --mount=type=cache,target=/root/.npm npm ci && npm run build
# Keep production dependencies only, then gather what runs: each workspace's package.json, dist/
# and the few files read at run time (bin/, SQL migrations, Avro schemas, infra's setup files).
# The image is CPU-only: the GPU builds of llama.cpp and other platforms' onnxruntime binaries
# (about 0.8 GB) are dropped.
RUN npm prune --omit=dev \
 && mkdir -p /out \
 && cp -a package.json node_modules /out/ \
 && for workspace in packages/* schemas infra producers/* consumers/*; do \
      mkdir -p "/out/$workspace" && cp -a "$workspace/package.json" "$workspace/dist" "/out/$workspace/"; \
      for asset in bin migrations avro postgres kafka; do \
        if [ -e "$workspace/$asset" ]; then cp -a "$workspace/$asset" "/out/$workspace/"; fi; \
      done; \
    done \
 && rm -rf /out/node_modules/@node-llama-cpp/*-cuda* /out/node_modules/@node-llama-cpp/*-vulkan \
           /out/node_modules/onnxruntime-node/bin/napi-v*/darwin /out/node_modules/onnxruntime-node/bin/napi-v*/win32

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    RIVULET_HOME=/var/lib/rivulet \
    OPS_HOST=0.0.0.0 \
    INGRESS_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /out/ /app/
# The image's `node` user (uid 1000); RIVULET_HOME is where the models volume is mounted.
RUN mkdir -p /var/lib/rivulet/models && chown -R node:node /var/lib/rivulet
USER node
# 8080: the ingress (INGRESS_PORT: API, WebSocket, /health, /ready, /metrics).
# 9464: the ops server of a worker (/health, /ready, /metrics) when started with OPS_PORT=9464,
#       as compose and infra/k8s do (OPS_PORT's own default, 0, picks a free port).
EXPOSE 8080 9464
ENTRYPOINT ["node", "packages/cli/bin/rivulet.js"]
CMD ["ingress"]

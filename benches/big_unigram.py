#!/usr/bin/env python3
"""Writes a SentencePiece-style unigram tokenizer.json with N pieces (default 2,000,000), for
measuring the memory `tokstat` needs to load a huge vocabulary (issue 14).

    python3 benches/big_unigram.py /tmp/big-unigram.json [N]
    /usr/bin/time -v target/release/tokstat encode -t /tmp/big-unigram.json "hello world" \
        2>&1 | grep 'Maximum resident'

Pieces are `▁`-prefixed and bare strings of 1–12 characters drawn from Latin, Cyrillic, Greek
and CJK letters, deterministic for a given N; scores decrease with the rank, as in real models.
The pipeline is XLM-R's: Metaspace pre-tokenizer, `<s>`/`</s>` post-processor."""

import json
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "big-unigram.json"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
rng = random.Random(14)
alphabets = [
    "abcdefghijklmnopqrstuvwxyz",
    "абвгдежзийклмнопрстуфхцчшщыэюя",
    "αβγδεζηθικλμνξοπρστυφχψω",
    "".join(chr(c) for c in range(0x4E00, 0x4E00 + 400)),
]
specials = ["<s>", "<pad>", "</s>", "<unk>"]
seen = set(specials)
pieces = [[s, 0.0] for s in specials]
while len(pieces) < n:
    alpha = alphabets[rng.randrange(len(alphabets))]
    length = 1 + min(int(rng.expovariate(0.25)), 11)
    piece = ("\u2581" if rng.random() < 0.6 else "") + "".join(
        rng.choice(alpha) for _ in range(length)
    )
    if piece not in seen:
        seen.add(piece)
        pieces.append([piece, -1.0 - len(pieces) / n * 15.0])
tok = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [
        {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i, s in enumerate(specials)
    ],
    "normalizer": None,
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                      "split": True},
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                  {"Sequence": {"id": "A", "type_id": 0}},
                                  {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                       "pair": [{"Sequence": {"id": "A", "type_id": 0}}],
                       "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                                          "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
    "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                "split": True},
    "model": {"type": "Unigram", "unk_id": 3, "vocab": pieces, "byte_fallback": False},
}
with open(out, "w", encoding="utf-8") as f:
    json.dump(tok, f, ensure_ascii=False)
print(f"wrote {out}: {n} pieces")

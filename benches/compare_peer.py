#!/usr/bin/env python3
"""The Python peer of `tokstat compare`: the same files, the same bundled tokenizer files, with
HF `tokenizers` (`pip install tokenizers`), batched and parallel (`encode_batch`, `decode_batch`).

For each tokenizer it counts what `tokstat compare` counts first: tokens, whitespace tokens (a
token whose offset span is non-empty and only whitespace) and texts whose round trip
(decode(encode(text))) gives the text back; fewer metrics than tokstat (no identifiers, no
whitespace classes, no scripts). Prints one JSON object; the token counts equal tokstat's.

    python3 benches/compare_peer.py TREE [--tokenizers modernbert,xlm-roberta,roberta]

Run from the repository root (the tokenizer files are assets/tokenizers/NAME.json.gz). Files are
every regular file under TREE that is UTF-8 without NUL bytes, as tokstat reads them.
"""
import argparse
import gzip
import json
import os
import sys

from tokenizers import Tokenizer

BATCH = 256


def load(name):
    with gzip.open(os.path.join("assets", "tokenizers", name + ".json.gz"), "rt") as f:
        tok = Tokenizer.from_str(f.read())
    tok.no_truncation()
    tok.no_padding()
    return tok


def texts_of(tree):
    out = []
    for root, dirs, files in os.walk(tree):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as f:
                raw = f.read()
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if b"\0" in raw:
                continue
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                continue
    return out


def measure(tok, texts):
    tokens = whitespace = exact = 0
    for i in range(0, len(texts), BATCH):
        batch = texts[i : i + BATCH]
        encodings = tok.encode_batch(batch, add_special_tokens=False)
        decoded = tok.decode_batch([e.ids for e in encodings], skip_special_tokens=False)
        for text, enc, back in zip(batch, encodings, decoded):
            tokens += len(enc.ids)
            whitespace += sum(1 for s, e in enc.offsets if e > s and text[s:e].isspace())
            exact += back == text
    return {"tokens": tokens, "whitespace_tokens": whitespace, "exact_round_trips": exact}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tree")
    ap.add_argument("--tokenizers", default="modernbert,xlm-roberta,roberta")
    args = ap.parse_args()
    texts = texts_of(args.tree)
    report = {"files": len(texts), "bytes": sum(len(t.encode()) for t in texts)}
    for name in args.tokenizers.split(","):
        report[name] = measure(load(name), texts)
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

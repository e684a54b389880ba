#!/usr/bin/env python3
"""Builds a large BEIR-layout set from the bundled code-retrieval pairs, for memory measurements.

    python3 benches/beir_corpus.py OUT_DIR DOCS [QUERY_LANGUAGE]

Queries: every test pair of QUERY_LANGUAGE (default python), each judging its own code
relevant (score 1) in qrels/test.tsv. Corpus: those documents first, then real functions from
every other split and language of corpora/code-retrieval (test, valid, train; languages sorted)
as distractors, until DOCS documents; when the bundled pairs run out, the same functions are
repeated under new ids (`<id>#2`, …). Deterministic; standard library only. Run from the
repository root.
"""

import gzip
import json
import os
import sys

DATA = "corpora/code-retrieval"


def split_records(language, split):
    for name in (f"{split}.jsonl", f"{split}.jsonl.gz"):
        path = os.path.join(DATA, language, name)
        if os.path.isfile(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
    return []


def main():
    out, docs = sys.argv[1], int(sys.argv[2])
    query_language = sys.argv[3] if len(sys.argv) > 3 else "python"
    languages = sorted(d for d in os.listdir(DATA) if os.path.isdir(os.path.join(DATA, d)))
    queries = split_records(query_language, "test")
    distractors = [
        r
        for split in ("test", "valid", "train")
        for lang in languages
        if (lang, split) != (query_language, "test")
        for r in split_records(lang, split)
    ]
    os.makedirs(os.path.join(out, "qrels"), exist_ok=True)
    written = 0
    with open(os.path.join(out, "corpus.jsonl"), "w", encoding="utf-8") as corpus:
        for r in queries:
            corpus.write(json.dumps({"_id": r["id"], "title": "", "text": r["code"]}) + "\n")
            written += 1
        round_ = 1
        while written < docs:
            for r in distractors:
                if written >= docs:
                    break
                rid = r["id"] if round_ == 1 else f"{r['id']}#{round_}"
                corpus.write(json.dumps({"_id": rid, "title": "", "text": r["code"]}) + "\n")
                written += 1
            round_ += 1
    with open(os.path.join(out, "queries.jsonl"), "w", encoding="utf-8") as f:
        for r in queries:
            f.write(json.dumps({"_id": r["id"], "text": r["query"]}) + "\n")
    with open(os.path.join(out, "qrels", "test.tsv"), "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for r in queries:
            f.write(f"{r['id']}\t{r['id']}\t1\n")
    print(f"{out}: {written} documents, {len(queries)} queries")


if __name__ == "__main__":
    main()

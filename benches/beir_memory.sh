#!/usr/bin/env bash
# Peak memory (max RSS) of `tokstat retrieval` on BEIR-layout sets of growing corpus size.
#
#   benches/beir_memory.sh [DOCS ...]        (run from the repository root; default: 10000 100000)
#
# Each set comes from benches/beir_corpus.py: the 1,000 Python test queries of
# corpora/code-retrieval against DOCS real functions. Every set is evaluated with BM25 alone,
# then with BM25 and a small encoder loaded from a checkpoint (trained once, briefly, on the
# bundled pairs with --save). Environment: TOKSTAT (binary, default target/release/tokstat),
# TOKENIZER (default roberta), WORK (where sets and the checkpoint go, default a temporary
# directory; what is there is reused). Prints one line per (size, run).
set -euo pipefail
tokstat=${TOKSTAT:-target/release/tokstat}
tok=${TOKENIZER:-roberta}
work=${WORK:-$(mktemp -d)}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
[ -x "$tokstat" ] || { echo "$tokstat not found: cargo build --release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is needed for max RSS" >&2; exit 1; }
ck="$work/checkpoint"
[ -f "$ck/$tok.safetensors" ] || "$tokstat" retrieval -t "$tok" --steps 50 --dim 32 --layers 1 \
    --heads 2 --no-untrained --no-equal-bytes --save "$ck" --format json > /dev/null
printf '%-8s %-16s %9s %10s %8s %8s\n' "docs" "run" "max RSS" "seconds" "NDCG@10" "MRR@10"
for n in "${sizes[@]}"; do
    set_dir="$work/beir-$n"
    [ -f "$set_dir/corpus.jsonl" ] || python3 benches/beir_corpus.py "$set_dir" "$n" > /dev/null
    for run in bm25 bm25+encoder; do
        extra=()
        [ "$run" = bm25 ] || extra=(--load "$ck")
        log="$work/time-$n-$run.txt"
        /usr/bin/time -v "$tokstat" retrieval -t "$tok" --data "$set_dir" "${extra[@]}" \
            --format json > "$work/report-$n-$run.json" 2> "$log"
        kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
        read -r ndcg mrr < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][-1]; print("%.4f %.4f" % (r["ndcg_at_10"], r["mrr_at_10"]))' "$work/report-$n-$run.json")
        printf '%-8s %-16s %6.0f MB %10s %8s %8s\n' "$n" "$run" "$(echo "$kb/1024" | bc -l)" "$wall" "$ndcg" "$mrr"
    done
done

#!/usr/bin/env bash
# Peak memory (max RSS) of `tokstat compare` on generated trees of growing size.
#
#   benches/memory.sh [SIZE_MB ...]          (run from the repository root; default: 16 133 1000)
#
# Environment: TOKSTAT (binary, default target/release/tokstat), TOKENIZERS (default roberta:
# one HF tokenizer, so that 1 GB takes under an hour on two busy cores), WORK (where trees are
# generated, default a temporary directory; trees already there are reused). Each tree comes from benches/gen_tree.sh. Prints
# one line per size and the ratio of the largest peak to the smallest; exits non-zero when that
# ratio is above 1.25 (the bound documented in docs/compare.md#memory).
set -euo pipefail
tokstat=${TOKSTAT:-target/release/tokstat}
tokenizers=${TOKENIZERS:-roberta}
work=${WORK:-$(mktemp -d)}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16 133 1000)
[ -x "$tokstat" ] || { echo "$tokstat not found: cargo build --release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is needed for max RSS" >&2; exit 1; }
printf '%-8s %12s %10s %12s %10s\n' "tree" "bytes" "files" "max RSS" "seconds"
first_kb=
last_kb=
for mb in "${sizes[@]}"; do
    tree="$work/tree-$mb"
    [ -d "$tree" ] || benches/gen_tree.sh "$tree" "$mb" > /dev/null
    log="$work/time-$mb.txt"
    /usr/bin/time -v "$tokstat" compare "$tree" -t "$tokenizers" --format json \
        > "$work/compare-$mb.json" 2> "$log"
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    bytes=$(du -sb "$tree" | cut -f1)
    files=$(find "$tree" -type f | wc -l)
    printf '%-8s %12s %10s %9.0f MB %10s\n' "${mb}MB" "$bytes" "$files" "$(echo "$kb/1024" | bc -l)" "$wall"
    first_kb=${first_kb:-$kb}
    last_kb=$kb
done
ratio=$(echo "$last_kb/$first_kb" | bc -l)
printf 'peak at the largest tree / peak at the smallest: %.3f (bound 1.25)\n' "$ratio"
echo "$ratio <= 1.25" | bc -l | grep -q 1

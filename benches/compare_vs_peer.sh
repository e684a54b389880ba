#!/usr/bin/env bash
# `tokstat compare` against its Python peer (benches/compare_peer.py, HF `tokenizers`) on the
# same tree: COPIES copies of corpora/code (default 8, 16.6 MB), the same tokenizers (default the
# three of `compare`). Prints wall time and CPU use of each, the ratio peer/tokstat, and checks
# that both counted the same tokens.
#
#   benches/compare_vs_peer.sh [COPIES]          (run from the repository root)
#
# Environment: TOKSTAT (binary, default target/release/tokstat), TOKENIZERS (comma-separated,
# default modernbert,xlm-roberta,roberta), PYTHON (default python3, with `tokenizers`
# installed), WORK (where the tree is made, default a temporary directory).
set -euo pipefail
copies=${1:-8}
tokstat=${TOKSTAT:-target/release/tokstat}
tokenizers=${TOKENIZERS:-modernbert,xlm-roberta,roberta}
python=${PYTHON:-python3}
work=${WORK:-$(mktemp -d)}
[ -x "$tokstat" ] || { echo "$tokstat not found: cargo build --release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is needed" >&2; exit 1; }
tree="$work/code-x$copies"
if [ ! -d "$tree" ]; then
    for i in $(seq 1 "$copies"); do
        mkdir -p "$tree/copy-$i" && cp -r corpora/code/. "$tree/copy-$i/"
    done
fi
echo "tree: $(du -sb "$tree" | cut -f1) bytes, $(find "$tree" -type f | wc -l) files; tokenizers: $tokenizers"
run() { # label, output file, command...
    local label=$1 out=$2
    shift 2
    /usr/bin/time -f "%e %P" -o "$work/$label.time" "$@" > "$out"
    read -r secs cpu < "$work/$label.time"
    printf '%-8s %8.2f s  %6s CPU\n' "$label" "$secs" "$cpu"
    echo "$secs"> "$work/$label.secs"
}
# Both read the tree from the page cache: the first timed run does not pay for the disk.
find "$tree" -type f -exec cat {} + > /dev/null
run tokstat "$work/tokstat.json" "$tokstat" compare "$tree" -t "$tokenizers" --format json
run peer "$work/peer.json" "$python" benches/compare_peer.py "$tree" --tokenizers "$tokenizers"
"$python" - "$work/tokstat.json" "$work/peer.json" "$tokenizers" <<'PY'
import json, sys
ours, peer, names = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3].split(",")
tokens = {t["name"]: t["tokens"] for t in ours["tokenizers"]}
bad = [n for n in names if tokens[n] != peer[n]["tokens"]]
for n in names:
    print(f"{n:12} tokens: tokstat {tokens[n]:>10}  peer {peer[n]['tokens']:>10}")
if bad:
    sys.exit(f"token counts differ: {', '.join(bad)}")
PY
awk -v a="$(cat "$work/peer.secs")" -v b="$(cat "$work/tokstat.secs")" \
    'BEGIN { printf "peer / tokstat: %.2fx\n", a / b }'

#!/usr/bin/env bash
# A short run of every fuzz target, for CI: each target first replays its committed seed corpus
# (fuzz/corpus/<target>), then mutates for SECONDS seconds (default 20). Any crash, timeout
# (over 10 s for one input) or input using over 2 GB fails the script.
#
#   fuzz/smoke.sh            # from the repository root or from fuzz/
#   SECONDS_PER_TARGET=60 fuzz/smoke.sh
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked` if missing).
set -euo pipefail
cd "$(dirname "$0")"
per_target="${SECONDS_PER_TARGET:-20}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
targets=(tokenizer_json budget_config retrieval_jsonl checkpoint compare_bytes identifier_lexer)
# The longest input libFuzzer makes (see README.md, "Speed"); 0 is its default, the largest seed.
max_len() {
    case "$1" in
    tokenizer_json) echo 81920 ;;
    compare_bytes) echo 512 ;;
    *) echo 0 ;;
    esac
}
cargo +nightly fuzz build -O -s none
for t in "${targets[@]}"; do
    work="work/smoke-$t"
    rm -rf "$work"
    mkdir -p "$work"
    echo "== $t ($per_target s)"
    if ! cargo +nightly fuzz run -O -s none "$t" "$work" "corpus/$t" -- \
        -max_total_time="$per_target" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$work.log" 2>&1; then
        tail -n 60 "$work.log"
        echo "fuzz smoke: $t failed (the input is in fuzz/artifacts/$t/)"
        exit 1
    fi
    grep -E "stat::number_of_executed_units" "$work.log"
    rm -f "$work.log"
    rm -rf "$work"
done
echo "fuzz smoke: all targets clean"

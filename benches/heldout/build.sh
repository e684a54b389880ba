#!/usr/bin/env bash
# Builds test splits from the projects that corpora/code-retrieval/README.md holds out for
# independent evaluation (they occur nowhere in corpora/), in $HELDOUT_DIR/data/<language>/
# (default target/heldout), with train/valid linked to the bundled splits, so that
#   tokstat retrieval --data target/heldout/data
# trains on the bundled train split and scores the held-out test split (or, faster, re-scores
# checkpoints: --load DIR). Run from the repository root after `cargo build --release`.
# Usage: bash benches/heldout/build.sh [fetch|extract|pairs|sample|link|all]   (default: all)
set -euo pipefail
ROOT=$(pwd)
H=$(realpath -m "${HELDOUT_DIR:-target/heldout}")
MAIN=$ROOT/corpora/code-retrieval
T=$H/tokstat                 # a copy of target/release/tokstat
N="nice -n 19"
DL=$H/dl; S=$H/src; RAW=$H/raw; DATA=$H/data
# private apt config for deb-src (the system sources.list has no deb-src; nothing under /etc is changed)
APTO="-o Dir::Etc::SourceList=$H/apt/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$H/apt/lists -o Dir::Cache=$H/apt/cache"

fetch() {
  mkdir -p "$H"; [ -x "$T" ] || cp "$ROOT/target/release/tokstat" "$T"
  mkdir -p "$DL/symfony" "$H/apt/lists/partial" "$H/apt/cache/archives/partial"
  cd "$DL"
  $N apt-get update
  $N apt-get download \
    golang-github-prometheus-client-golang-dev=1.14.0-3 golang-github-miekg-dns-dev=1.1.50-2 \
    golang-github-spf13-cobra-dev=1.6.1-1 golang-github-gorilla-mux-dev=1.8.0-1 \
    golang-github-google-go-cmp-dev=0.5.9-1 openjfx-source=11.0.11+1-3 \
    php-twig=3.5.1-1+deb12u3 phpunit=9.6.7-1+deb12u1 \
    ruby-activesupport=2:6.1.7.10+dfsg-1~deb12u4 ruby-kramdown=2.4.0-2 ruby-net-ssh=1:7.0.1-1
  # every binary package built from Debian source package `symfony` (symfony/symfony monorepo)
  apt-cache search --names-only '^php-symfony' | awk '{print $1}' | while read -r p; do
    s=$(apt-cache show "$p" 2>/dev/null | awk '/^Source:/{print $2; exit}')
    [ "$s" = symfony ] && echo "$p=5.4.53+dfsg-0+deb12u1"
  done > "$H/symfony-pkgs.txt"
  (cd "$DL/symfony" && $N apt-get download $(cat "$H/symfony-pkgs.txt"))
  # guava: Debian source package (orig tarball) through a private deb-src list
  cat > "$H/apt/sources.list" <<'SRC'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
SRC
  $N apt-get $APTO update
  $N apt-get $APTO source --download-only guava-libraries=31.1-1
  $N pip download --no-deps --only-binary :all: sqlalchemy==2.1.9 requests==2.34.2 -d "$DL"
  $N npm pack three@0.187.0
}

extract() {
  rm -rf "$S"; mkdir -p "$S"
  for d in "$DL"/*.deb; do n=$(basename "$d" | sed 's/_.*//'); mkdir -p "$S/$n"; dpkg-deb -x "$d" "$S/$n"; done
  mkdir -p "$S/symfony"; for d in "$DL"/symfony/*.deb; do dpkg-deb -x "$d" "$S/symfony"; done
  mkdir -p "$S/sqlalchemy" "$S/requests" "$S/three" "$S/guava" "$S/openjfx" "$S/guava-stage/guava"
  python3 -m zipfile -e "$DL"/sqlalchemy-2.1.9-*.whl "$S/sqlalchemy"
  python3 -m zipfile -e "$DL"/requests-2.34.2-py3-none-any.whl "$S/requests"
  tar xzf "$DL/three-0.187.0.tgz" -C "$S/three"
  tar xJf "$DL/guava-libraries_31.1.orig.tar.xz" -C "$S/guava"
  # only the main JRE library `guava/src` (not android/, guava-testlib/, guava-tests/, guava-gwt/);
  # staged so that `path` stays relative to the orig tarball's top directory (guava/src/com/...)
  cp -r "$S/guava/guava-31.1/guava/src" "$S/guava-stage/guava/"
  (cd "$S/openjfx" && python3 -m zipfile -e "$S/openjfx-source/usr/share/openjfx/lib/src.zip" .)
}

pairs() {   # one tokstat run per language; all pairs go to split `test`
  mkdir -p "$RAW"
  local G=usr/share/gocode/src/github.com
  run() {  # LANG then project args
    local L=$1; shift
    $N "$T" pairs "$@" --language "$L" --split test \
      --exclude "$MAIN/$L/train.jsonl.gz" --exclude "$MAIN/$L/valid.jsonl" --exclude "$MAIN/$L/test.jsonl" \
      --out "$RAW/$L.jsonl" --format json > "$RAW/$L.summary.json"
  }
  run python sqlalchemy@2.1.9="$S/sqlalchemy" requests@2.34.2="$S/requests" --license MIT --license Apache-2.0
  run go \
    github.com/prometheus/client_golang@1.14.0="$S/golang-github-prometheus-client-golang-dev/$G/prometheus/client_golang" \
    github.com/miekg/dns@1.1.50="$S/golang-github-miekg-dns-dev/$G/miekg/dns" \
    github.com/spf13/cobra@1.6.1="$S/golang-github-spf13-cobra-dev/$G/spf13/cobra" \
    github.com/gorilla/mux@1.8.0="$S/golang-github-gorilla-mux-dev/$G/gorilla/mux" \
    github.com/google/go-cmp@0.5.9="$S/golang-github-google-go-cmp-dev/$G/google/go-cmp" \
    --license Apache-2.0 --license BSD-3-Clause --license Apache-2.0 --license BSD-3-Clause --license BSD-3-Clause
  run java openjfx@11.0.11+1="$S/openjfx" guava@31.1="$S/guava-stage" \
    --license "GPL-2.0-only WITH Classpath-exception-2.0" --license Apache-2.0
  run javascript three@0.187.0="$S/three/package/src" --license MIT
  run php symfony/symfony@5.4.53="$S/symfony/usr/share/php" twig/twig@3.5.1="$S/php-twig/usr/share/php" \
    phpunit/phpunit@9.6.7="$S/phpunit/usr/share/php" --license MIT --license BSD-3-Clause --license BSD-3-Clause
  run ruby activesupport@6.1.7.10="$S/ruby-activesupport/usr/share/rubygems-integration/all/gems/activesupport-6.1.7.10" \
    kramdown@2.4.0="$S/ruby-kramdown/usr/share/rubygems-integration/all/gems/kramdown-2.4.0" \
    net-ssh@7.0.1="$S/ruby-net-ssh/usr/share/rubygems-integration/all/gems/net-ssh-7.0.1" \
    --license MIT --license MIT --license MIT
}

sample() {  # cap at 1,000 pairs: random.Random(0).sample, original (project, path, line) order kept, renumbered
  python3 "$ROOT/benches/heldout/sample.py" "$RAW" "$DATA" 1000
}

link() {    # train/valid from the bundled corpus, so `tokstat retrieval --data $DATA` trains there
  for L in python go java javascript php ruby; do
    ln -sfn "$MAIN/$L/train.jsonl.gz" "$DATA/$L/train.jsonl.gz"
    ln -sfn "$MAIN/$L/valid.jsonl" "$DATA/$L/valid.jsonl"
  done
}

case "${1:-all}" in
  fetch) fetch;; extract) extract;; pairs) pairs;; sample) sample;; link) link;;
  all) fetch; extract; pairs; sample; link;;
  *) echo "usage: $0 [fetch|extract|pairs|sample|link|all]" >&2; exit 2;;
esac

#!/usr/bin/env bash
# Generates a source tree of about SIZE_MB megabytes (10^6 bytes) for the memory benchmark:
# copies of corpora/code (README and MANIFEST files left out) in which every multi-part
# identifier (snake_case, camelCase) gets a per-copy suffix, so that each copy adds new distinct
# identifiers instead of repeating the same ones.
#
#   benches/gen_tree.sh OUT_DIR SIZE_MB        (run from the repository root)
set -euo pipefail
out=${1:?usage: gen_tree.sh OUT_DIR SIZE_MB}
size_mb=${2:?usage: gen_tree.sh OUT_DIR SIZE_MB}
src=corpora/code
[ -d "$src" ] || { echo "run from the repository root ($src not found)" >&2; exit 1; }
mkdir -p "$out"
find "$src" -type f ! -name MANIFEST.tsv ! -name README.md | sort |
    perl -e '
        use strict; use warnings; use File::Path qw(make_path); use File::Basename qw(dirname);
        my ($src, $out, $want) = @ARGV;
        my @files = map { chomp; $_ } <STDIN>;
        my %text;
        for my $f (@files) {
            open(my $h, "<:raw", $f) or die "$f: $!"; local $/; $text{$f} = <$h>; close $h;
        }
        my ($have, $k) = (0, 0);
        while ($have < $want) {
            for my $f (@files) {
                (my $rel = $f) =~ s{^\Q$src\E/}{};
                my $dest = sprintf("%s/copy-%05d/%s", $out, $k, $rel);
                make_path(dirname($dest));
                my $t = $text{$f};
                $t =~ s/\b([A-Za-z]+_[A-Za-z0-9_]*[A-Za-z0-9])\b/${1}_v$k/g;
                $t =~ s/\b([a-z]+[A-Z][A-Za-z0-9]*)\b/${1}V$k/g;
                open(my $h, ">:raw", $dest) or die "$dest: $!"; print $h $t; close $h;
                $have += length $t;
            }
            $k++;
        }
        printf "%s: %d copies of %d files, %d bytes\n", $out, $k, scalar @files, $have;
    ' "$src" "$out" "$((size_mb * 1000000))"

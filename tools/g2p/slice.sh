#!/usr/bin/env bash
# Rebuild data/cmudict/ (the small slices tests and docs use) from the full split in
# ${RNN_DATASETS:-../shared/datasets}/cmudict: every 40th word of train (all its pronunciations),
# every 20th word of dev and of test, stress digits removed from the phones (column 2), a pronunciation that became a repeat dropped.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=${RNN_DATASETS:-$root/../shared/datasets}/cmudict
out=$root/data/cmudict
mkdir -p "$out"
slice() { # file, keep every Nth word
  zcat "$src/$1.tsv.gz" | awk -F'\t' -v n="$2" 'BEGIN { OFS = "\t" }
    $1 != prev { w++; prev = $1 }
    w % n == 1 { gsub(/[0-9]/, "", $2); if (!seen[$1 "\t" $2]++) print $1, $2 }' | gzip -9n > "$out/$1.tsv.gz"
}
slice train 40
slice dev 20
slice test 20
for f in train dev test; do echo "$f: $(zcat "$out/$f.tsv.gz" | wc -l) lines, $(zcat "$out/$f.tsv.gz" | cut -f1 | uniq | wc -l) words"; done

#!/usr/bin/env bash
# Regenerates every figure listed in docs/figures/MANIFEST with the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -v '^#' docs/figures/MANIFEST | while read -r out args; do
    # shellcheck disable=SC2086 # the arguments are meant to split
    ./target/release/gradviz $args -o "$out"
    echo "wrote $out"
done

#!/bin/sh
# Converts an SVG figure to PNG with rsvg-convert (Debian: librsvg2-bin), to look at it the
# way a common viewer draws it (system fonts, not the engine's metrics).
# Usage: scripts/look.sh FIGURE.svg [OUT.png]   (default OUT: FIGURE.png beside the SVG)
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 FIGURE.svg [OUT.png]" >&2
    exit 2
fi
svg=$1
png=${2:-${svg%.svg}.png}
if ! command -v rsvg-convert >/dev/null 2>&1; then
    echo "error: rsvg-convert not found (Debian/Ubuntu: apt-get install librsvg2-bin)" >&2
    exit 1
fi
rsvg-convert --background-color=white -o "$png" "$svg"
echo "$png"

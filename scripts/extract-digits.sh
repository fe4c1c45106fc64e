#!/usr/bin/env bash
# Extracts the two small digit datasets that seal uses as transfer / few-shot targets from their
# Debian packages, WITHOUT installing the packages (opencv-doc alone is ~274 MB installed, and
# python3-sklearn pulls in numpy and scipy):
#   DEST/opencv-digits/digits.png      from opencv-doc     (2000x1000 grey PNG, 5000 20x20 digits)
#   DEST/sklearn-digits/digits.csv.gz  from python3-sklearn (1797 rows: 64 ints 0..16, label)
# Usage: bash scripts/extract-digits.sh [DEST_DIR]
# DEST_DIR defaults to $SEAL_DATA_DIR, else $XDG_CACHE_HOME/seal/datasets, else ~/.cache/seal/datasets
# (the same rule as src/eval/targets.ts). Does nothing for files already there; safe to rerun.
set -euo pipefail

cache_home=${XDG_CACHE_HOME:-}
[ -n "$cache_home" ] || cache_home="$HOME/.cache"
default_dest=${SEAL_DATA_DIR:-}
[ -n "$default_dest" ] || default_dest="$cache_home/seal/datasets"
dest=${1:-$default_dest}

opencv_member=./usr/share/doc/opencv-doc/examples/data/digits.png
sklearn_member=./usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
opencv_out="$dest/opencv-digits/digits.png"
sklearn_out="$dest/sklearn-digits/digits.csv.gz"

# package|member inside the .deb|output file, for each file still missing.
todo=()
[ -s "$opencv_out" ] || todo+=("opencv-doc|$opencv_member|$opencv_out")
[ -s "$sklearn_out" ] || todo+=("python3-sklearn|$sklearn_member|$sklearn_out")
if [ ${#todo[@]} -eq 0 ]; then
  echo "extract-digits: $opencv_out and $sklearn_out are already there"
  exit 0
fi

pkgs=()
for t in "${todo[@]}"; do pkgs+=("${t%%|*}"); done

if [ "$(id -u)" -ne 0 ]; then
  echo "extract-digits: the files from ${pkgs[*]} are missing under $dest, and fetching them needs root (apt-get)." >&2
  echo "Run this script as root, or run these commands yourself:" >&2
  echo "  tmp=\$(mktemp -d) && cd \"\$tmp\" && apt-get download ${pkgs[*]}" >&2
  for t in "${todo[@]}"; do
    IFS='|' read -r pkg member out <<<"$t"
    echo "  mkdir -p \"$(dirname "$out")\" && dpkg --fsys-tarfile ${pkg}_*.deb | tar xO $member > \"$out\"" >&2
  done
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt drops privileges to the _apt user for downloads; let it write into the folder.
chmod 0777 "$tmp"
cd "$tmp"
echo "extract-digits: apt-get download ${pkgs[*]}"
if ! apt-get download -qq "${pkgs[@]}" 2>/dev/null; then
  # Package lists may be missing (fresh container): refresh once, then try again.
  apt-get update -qq
  apt-get download -qq "${pkgs[@]}"
fi

for t in "${todo[@]}"; do
  IFS='|' read -r pkg member out <<<"$t"
  deb=$(ls "$tmp"/"${pkg}"_*.deb | head -n 1)
  mkdir -p "$tmp/x-$pkg" "$(dirname "$out")"
  # Only the one member is unpacked; nothing is installed or registered with dpkg.
  dpkg --fsys-tarfile "$deb" | tar x -C "$tmp/x-$pkg" "$member"
  # Copy to a temporary name, then rename, so a half-written file never looks complete.
  cp "$tmp/x-$pkg/$member" "$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
  echo "extract-digits: wrote $out ($(stat -c %s "$out") bytes, from $(basename "$deb"))"
done

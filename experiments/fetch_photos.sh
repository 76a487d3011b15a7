#!/usr/bin/env bash
# Fetch the clean photographs of the pre-train-vs-scratch experiment (experiments/photos.tsv, 76 rows) from
# Debian bookworm packages, offline-reproducible on any Debian/Ubuntu machine that reaches the archive:
# `apt-get download` needs no root (run `apt-get update` once first if it finds no package), and
# `dpkg-deb -x` unpacks without installing. Usage: experiments/fetch_photos.sh OUT_DIR [ROWS]
# ROWS (optional) fetches only the first ROWS photos of the list: `... OUT_DIR 38` gives exactly the original
# 38-photo set (same file names), which earlier results were computed on (the train/val/test split of
# experiments/tiles.py depends on the whole set of photo names, so a larger folder splits differently).
set -euo pipefail

out=${1:?usage: experiments/fetch_photos.sh OUT_DIR [ROWS]}
rows=${2:-}
[[ -z "$rows" || "$rows" =~ ^[1-9][0-9]*$ ]] || { echo "ROWS must be a positive integer" >&2; exit 2; }
src="$(cd "$(dirname "$0")" && pwd)/photos.tsv"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
list="$work/photos.tsv"
if [[ -n "$rows" ]]; then
    grep -v '^#' "$src" | grep -v '^$' | head -n "$rows" > "$list"
else
    grep -v '^#' "$src" | grep -v '^$' > "$list"
fi

packages=$(cut -f1 "$list" | sort -u)
(cd "$work" && apt-get download $packages) >&2 || {
    echo "apt-get download failed: run 'apt-get update' (as root) and retry" >&2
    exit 1
}
for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done

printf 'file\tpackage\tversion\tpath\tlicense\tauthor\n' > "$out/LICENSES.tsv"
count=0
declare -A seen=()
while IFS=$'\t' read -r package path license author; do
    [[ -z "$package" || "$package" == \#* ]] && continue
    # The original 38 photos (from these four packages) keep their historical names so earlier results stay
    # reproducible; KDE wallpapers are all called WIDTHxHEIGHT.jpg, so they are named by their folder.
    # Photos from any other package are named PACKAGE__BASENAME (spaces become underscores).
    case "$package" in
        plasma-workspace-wallpapers) name=$(echo "$path" | cut -d/ -f4).jpg ;;
        lomiri-wallpapers-16.04 | lomiri-wallpapers-20.04 | mate-backgrounds) name=$(basename "$path") ;;
        *) name="${package}__$(basename "$path")"; name=${name// /_} ;;
    esac
    if [[ -n "${seen[$name]:-}" ]]; then
        echo "name collision: $name ($path and ${seen[$name]})" >&2
        exit 1
    fi
    seen[$name]=$path
    version=$(dpkg-deb -f "$work"/"${package}"_*.deb Version)
    cp "$work/root/$path" "$out/$name"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$package" "$version" "$path" "$license" "$author" >> "$out/LICENSES.tsv"
    count=$((count + 1))
done < "$list"
echo "$count photos in $out (licenses: $out/LICENSES.tsv)" >&2

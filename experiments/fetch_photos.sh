#!/usr/bin/env bash
# Fetch the 38 clean photographs of the pre-train-vs-scratch experiment (experiments/photos.tsv) from
# Debian wallpaper packages, offline-reproducible on any Debian/Ubuntu machine that reaches the archive:
# `apt-get download` needs no root (run `apt-get update` once first if it finds no package), and
# `dpkg-deb -x` unpacks without installing. Usage: experiments/fetch_photos.sh OUT_DIR
set -euo pipefail

out=${1:?usage: experiments/fetch_photos.sh OUT_DIR}
list="$(cd "$(dirname "$0")" && pwd)/photos.tsv"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

packages=$(grep -v '^#' "$list" | cut -f1 | sort -u)
(cd "$work" && apt-get download $packages) >&2 || {
    echo "apt-get download failed: run 'apt-get update' (as root) and retry" >&2
    exit 1
}
for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done

printf 'file\tpackage\tversion\tpath\tlicense\tauthor\n' > "$out/LICENSES.tsv"
count=0
while IFS=$'\t' read -r package path license author; do
    [[ -z "$package" || "$package" == \#* ]] && continue
    # KDE wallpapers are all called WIDTHxHEIGHT.jpg: name them by their folder instead.
    case "$path" in
        usr/share/wallpapers/*) name=$(echo "$path" | cut -d/ -f4).jpg ;;
        *) name=$(basename "$path") ;;
    esac
    version=$(dpkg-deb -f "$work"/"${package}"_*.deb Version)
    cp "$work/root/$path" "$out/$name"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$package" "$version" "$path" "$license" "$author" >> "$out/LICENSES.tsv"
    count=$((count + 1))
done < "$list"
echo "$count photos in $out (licenses: $out/LICENSES.tsv)" >&2

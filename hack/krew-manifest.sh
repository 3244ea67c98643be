#!/usr/bin/env bash
# Renders krew/projsecret.yaml.tmpl into the Krew manifest for VERSION, with
# the sha256 of each archive taken from the checksums file `make dist` wrote.
# Run through `make krew-manifest VERSION=vX.Y.Z`.
set -euo pipefail

: "${VERSION:?VERSION is required, e.g. VERSION=v1.2.3}"
DIST=${DIST:-dist}
SUMS=${SUMS:-$DIST/kubectl-projsecret_${VERSION}_checksums.txt}
TEMPLATE=${TEMPLATE:-krew/projsecret.yaml.tmpl}
OUT=${OUT:-krew/projsecret.yaml}
PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}

die() { echo "krew-manifest: $*" >&2; exit 1; }

cd "$(dirname "$0")/.."

# Krew refuses anything but a v-prefixed semantic version.
semver='^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$'
[[ $VERSION =~ $semver ]] ||
  die "VERSION=$VERSION is not a release version; Krew needs a semantic version like v1.2.3"
[[ -f $SUMS ]] ||
  die "$SUMS not found; run 'make dist VERSION=$VERSION' first"
[[ -f $TEMPLATE ]] || die "template $TEMPLATE not found"

args=(-e "s|@VERSION@|$VERSION|g")
for platform in $PLATFORMS; do
  os=${platform%/*} arch=${platform#*/}
  ext=tar.gz
  if [[ $os == windows ]]; then ext=zip; fi
  archive="kubectl-projsecret_${VERSION}_${os}_${arch}.$ext"
  sum=$(awk -v f="$archive" '$2 == f { print $1 }' "$SUMS")
  [[ $sum =~ ^[0-9a-f]{64}$ ]] || die "no sha256 for $archive in $SUMS; run 'make dist VERSION=$VERSION' again"
  args+=(-e "s|@SHA256_${os}_${arch}@|$sum|g")
done

mkdir -p "$(dirname "$OUT")"
tmp=$(mktemp "$OUT.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# The template's own header comment is for the template only.
{
  echo "# Rendered from $TEMPLATE by 'make krew-manifest VERSION=$VERSION'; do not edit."
  sed "${args[@]}" "$TEMPLATE" | sed '1,/^apiVersion:/{/^#/d}'
} >"$tmp"
if left=$(grep -o '@[A-Za-z0-9_]*@' "$tmp"); then
  die "$TEMPLATE has placeholders with no value: $(echo "$left" | sort -u | tr '\n' ' ')"
fi
chmod 0644 "$tmp"
mv "$tmp" "$OUT"
echo "krew-manifest: wrote $OUT for $VERSION"

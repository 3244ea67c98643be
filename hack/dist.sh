#!/usr/bin/env bash
# Cross-compiles kubectl-projsecret and packs one archive for each platform in
# hack/platforms.txt plus a checksums file into $DIST, with an SPDX SBOM of
# each binary (hack/image sbom, from the binary's build info). Run through
# `make dist` (it passes VERSION, COMMIT and LDFLAGS). Two runs on the same
# commit give byte-identical archives: -trimpath, an empty build id, pinned
# GOAMD64/GOARM64 and hack/distpack's fixed archive headers, timestamped
# with the commit time.
set -euo pipefail

: "${VERSION:?VERSION is required, e.g. v1.2.3}"
: "${COMMIT:?COMMIT is required (the git commit stamped into the binary)}"
: "${LDFLAGS:?LDFLAGS is required (make dist passes the Makefile LDFLAGS)}"
GO=${GO:-go}
DIST=${DIST:-dist}

die() { echo "dist: $*" >&2; exit 1; }

cd "$(dirname "$0")/.."

[[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] ||
  die "VERSION=$VERSION cannot name a file; expected something like v1.2.3"

# Every archive ships these next to the binary.
helper=plugin/kubectl_complete-projsecret
for f in LICENSE README.md "$helper"; do
  [[ -f $f ]] || die "$f is missing; every release archive ships it"
done
[[ -x $helper ]] || die "$helper is not executable; kubectl only runs executable completion helpers"

# The archive timestamp: the commit time, so it is the same on every machine.
mtime=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || true)}
[[ $mtime =~ ^[0-9]+$ ]] ||
  die "cannot read the commit time from git; set SOURCE_DATE_EPOCH (unix seconds)"

mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The packer and the SBOM writer run on the build machine, so they are built
# before GOOS changes.
"$GO" build -o "$work/distpack" ./hack/distpack
"$GO" build -o "$work/image" ./hack/image

# Every archive carries the man pages, generated from the command tree and
# dated with the commit time, under man/.
"$GO" run ./hack/reference -man "$work/man" -date "$mtime"
man=()
for page in "$work"/man/*.1; do
  man+=("man/${page##*/}=$page")
done

# distpack names each platform's binary and archive (GOOS GOARCH BIN ARCHIVE).
platforms=$("$work/distpack" platforms -platforms hack/platforms.txt -version "$VERSION")
archives=()
while read -r os arch bin archive; do
  out="$DIST/$archive"
  start=$SECONDS
  mkdir -p "$work/$os-$arch"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOAMD64=v1 GOARM64=v8.0 \
    "$GO" build -trimpath -ldflags "$LDFLAGS -buildid=" -o "$work/$os-$arch/$bin" ./cmd/kubectl-projsecret
  "$work/image" sbom -created "$mtime" -version "$VERSION" -o "$DIST/kubectl-projsecret_${VERSION}_${os}_${arch}.spdx.json" "$work/$os-$arch/$bin"
  "$work/distpack" archive -o "$out" -mtime "$mtime" \
    "$bin=$work/$os-$arch/$bin" LICENSE=LICENSE README.md=README.md \
    "kubectl_complete-projsecret=$helper" "${man[@]}"
  archives+=("$out")
  echo "dist: ${out#"$PWD/"} ($((SECONDS - start))s)"
done <<<"$platforms"

sums="$DIST/kubectl-projsecret_${VERSION}_checksums.txt"
"$work/distpack" sums -o "$sums" "${archives[@]}"
echo "dist: ${sums#"$PWD/"}"
cat "$sums"

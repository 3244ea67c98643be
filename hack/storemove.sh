#!/usr/bin/env bash
# storemove.sh rewrites the front ends' references to the typed client after
# it moved from the root package to package store (issue 21): every
# projsecret.X below becomes store.X, and the store import is added.
#
# It exists so that the rename can be re-applied after other branches merge
# new front-end code: it is idempotent (a second run changes nothing) and
# works on files it has never seen. Run it from the module root:
#
#	hack/storemove.sh
#
# The identifiers are the exported package-level names declared in store/
# (types, functions, variables and constants; methods move with their
# types), listed with go/parser when the client moved; go doc -all ./store
# shows them. The script checks that each is still declared in store/.
set -euo pipefail

cd "$(dirname "$0")/.."

moved=(
	AdoptOptions AnnotationRestartedAt ApplyOptions Batch Client ClientOption
	DefaultExpiringWithin DefaultRetryTimeout Entry ExpiringEntry ExpiringQuery
	MetaChange NewClient PodSpecReads Project ProjectQuery PutOptions PutResult
	ReadByEnv ReadByEnvFrom ReadByVolume Reads RestartAction RestartFailed
	RestartItem RestartReport RestartSkipped Restarted Snapshot
	TrackValueChanges WhoAmI WithClock WithFallbackUser WithMetadata WithRetry
	WithUser WithWarnings Workload WorkloadScan WouldRestart
)
goimports=${GOIMPORTS:-$(go env GOPATH)/bin/goimports}
storepkg=github.com/projsecret/projsecret/store

# A name still in the root package is not a moved one: refuse rather than
# rewrite a contract reference into a client one that does not exist.
for id in "${moved[@]}"; do
	if ! grep -qE "^(func|type|var|const) ${id}\b|^[[:space:]]+${id}\b[^=]*=" store/*.go; then
		echo "storemove: ${id} is not declared in store/: update the list in $0" >&2
		exit 1
	fi
done

alt=$(
	IFS='|'
	echo "${moved[*]}"
)

# Every Go file outside the root package and store/, build tags included
# (integration and others): git ls-files for tracked ones, plus untracked
# ones not ignored, so that new code from other branches is covered.
mapfile -t files < <(
	git ls-files --cached --others --exclude-standard -- '*.go' |
		grep -v -E '^[^/]+\.go$|^store/' |
		sort -u
)

# A file needs the store import if it refers to a moved name as store.X,
# whether this run rewrote it or an earlier run stopped before its import
# was added.
changed=()
declare -A hash
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	hash[$f]=$(git hash-object "$f")
	if grep -qE "\bprojsecret\.(${alt})\b" "$f"; then
		sed -E -i "s/\bprojsecret\.(${alt})\b/store.\1/g" "$f"
		changed+=("$f")
	elif grep -qE "\bstore\.(${alt})\b" "$f" && ! grep -qF "\"${storepkg}\"" "$f"; then
		changed+=("$f")
	fi
done

# Add the store import ourselves rather than trust goimports to find the
# right package named store. It goes right after the projsecret import, in
# the same group, so that it takes that import's place when goimports drops
# it as unused (and goimports sorts the group); at the top of the import
# block when a file imports projsecret under another form.
for f in "${changed[@]}"; do
	if ! grep -qF "\"${storepkg}\"" "$f"; then
		if grep -qE '^[[:space:]]+"github.com/projsecret/projsecret"$' "$f"; then
			sed -i -E "0,/^([[:space:]]+)\"github.com\/projsecret\/projsecret\"$/s##&\n\\1\"${storepkg}\"#" "$f"
		else
			sed -i "0,/^import (/s##import (\n\t\"${storepkg}\"#" "$f"
		fi
		if ! grep -qF "\"${storepkg}\"" "$f"; then
			echo "storemove: ${f} has no import block to add ${storepkg} to" >&2
			exit 1
		fi
	fi
done

# Report only the files whose content changed: one that mentions store.X
# only in a string or a comment gets the import added and dropped again.
[ ${#changed[@]} -gt 0 ] && "$goimports" -w "${changed[@]}"
n=0
for f in "${changed[@]}"; do
	if [ "$(git hash-object "$f")" != "${hash[$f]}" ]; then
		echo "storemove: rewrote $f"
		n=$((n + 1))
	fi
done
[ "$n" -gt 0 ] || echo "storemove: nothing to rewrite"

#!/usr/bin/env bash
# The main job end to end: start a real kube-apiserver and etcd, then run the
# create / read / set / get / meta / delete flow through `kubectl projsecret`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

export KUBECONFIG=$root/.cache/dev-cluster/kubeconfig
# A kubeconfig left by a run that was killed points at a dead server; wait
# only for the one this run writes.
rm -f "$KUBECONFIG"
log=$(mktemp)
"$root/bin/devcluster" >"$log" 2>&1 &
cluster=$!
trap 'status=$?; kill $cluster 2>/dev/null; wait $cluster 2>/dev/null; rm -f "$log"; exit $status' EXIT

for _ in $(seq 120); do
  [ -s "$KUBECONFIG" ] && break
  kill -0 $cluster 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
[ -s "$KUBECONFIG" ] || { echo "control plane did not start:"; cat "$log"; exit 1; }
export PATH=$root/bin:$PATH

step() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }

kubectl version 2>/dev/null | sed 's/^/  /'
kubectl create namespace demo >/dev/null
kubectl config set-context --current --namespace=demo >/dev/null
step kubectl plugin list 2>/dev/null
printf '\n$ printf %%s "s3cr3t" | kubectl projsecret create analytics db-password --stdin --description "warehouse password" --label team=data\n'
printf %s "s3cr3t" | kubectl projsecret create analytics db-password --stdin --description "warehouse password" --label team=data
printf '\n$ printf %%s "tok-123" | kubectl projsecret create analytics API_TOKEN --stdin\n'
printf %s "tok-123" | kubectl projsecret create analytics API_TOKEN --stdin
step kubectl projsecret read analytics db-password; echo
printf '\n$ printf %%s "n3w-s3cr3t" | kubectl projsecret set analytics db-password --stdin\n'
printf %s "n3w-s3cr3t" | kubectl projsecret set analytics db-password --stdin
step kubectl projsecret read analytics db-password; echo
step kubectl projsecret meta analytics API_TOKEN --description "CI token" --label env=prod
step kubectl projsecret get analytics
step kubectl projsecret get analytics API_TOKEN -o yaml
step kubectl projsecret projects
step kubectl projsecret delete analytics API_TOKEN
step kubectl projsecret get analytics
step kubectl get secret proj-secrets-analytics --show-labels
printf '\nDemo finished: every step above ran on a real kube-apiserver %s.\n' "$(kubectl version -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1)"

package store

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Ways a Pod spec reads a Secret, as Reads.How names them.
const (
	ReadByEnv     = "env"     // env valueFrom.secretKeyRef: one key
	ReadByEnvFrom = "envFrom" // envFrom secretRef: every key
	ReadByVolume  = "volume"  // a secret volume or projected secret source: every key, or its items
)

// Reads is what a Pod spec reads of one Secret, and how. It is the one
// analysis behind uses and restart: both must agree on who reads a key.
type Reads struct {
	// All: the spec reads every key (envFrom, or a volume without items),
	// including keys added later.
	All bool
	// Keys are the keys read one by one, sorted; empty when All.
	Keys []string
	// How lists the ways it reads, sorted (ReadByEnv, ReadByEnvFrom,
	// ReadByVolume); empty when the spec does not read the Secret at all.
	How []string
}

// None reports whether the spec does not read the Secret.
func (r Reads) None() bool { return len(r.How) == 0 }

// Only narrows r to keys: a spec that reads every key reads all of them;
// otherwise Keys keeps those among keys. With no keys, r is unchanged. The
// result is None-like (no Keys, not All) when the spec reads none of keys.
func (r Reads) Only(keys []string) Reads {
	if len(keys) == 0 || r.All {
		return r
	}
	out := r
	out.Keys = slices.DeleteFunc(slices.Clone(r.Keys), func(k string) bool { return !slices.Contains(keys, k) })
	return out
}

// ReadsAny reports whether the spec reads at least one of keys, or, with
// no keys, anything of the Secret.
func (r Reads) ReadsAny(keys []string) bool {
	if r.None() {
		return false
	}
	n := r.Only(keys)
	return n.All || len(n.Keys) > 0
}

// PodSpecReads is what spec reads of the Secret named secret, in the
// spec's own namespace: env secretKeyRef (by key), envFrom secretRef (every
// key), secret volumes and projected secret sources (every key, or the keys
// of their items), in containers, init containers and ephemeral
// containers. Optional references count: the key is read when present.
func PodSpecReads(spec *corev1.PodSpec, secret string) Reads {
	keys, how := map[string]bool{}, map[string]bool{}
	var all bool
	container := func(env []corev1.EnvVar, envFrom []corev1.EnvFromSource) {
		for _, e := range env {
			if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil && ref.SecretKeyRef.Name == secret {
				keys[ref.SecretKeyRef.Key], how[ReadByEnv] = true, true
			}
		}
		for _, e := range envFrom {
			if e.SecretRef != nil && e.SecretRef.Name == secret {
				all, how[ReadByEnvFrom] = true, true
			}
		}
	}
	for _, c := range spec.InitContainers {
		container(c.Env, c.EnvFrom)
	}
	for _, c := range spec.Containers {
		container(c.Env, c.EnvFrom)
	}
	for _, c := range spec.EphemeralContainers {
		container(c.Env, c.EnvFrom)
	}
	volume := func(items []corev1.KeyToPath) {
		how[ReadByVolume] = true
		if len(items) == 0 {
			all = true
		}
		for _, it := range items {
			keys[it.Key] = true
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == secret {
			volume(v.Secret.Items)
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil && src.Secret.Name == secret {
					volume(src.Secret.Items)
				}
			}
		}
	}
	r := Reads{All: all, How: slices.Sorted(maps.Keys(how))}
	if !all {
		r.Keys = slices.Sorted(maps.Keys(keys))
	}
	return r
}

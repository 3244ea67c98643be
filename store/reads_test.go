package store

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestPodSpecReads(t *testing.T) {
	t.Parallel()
	const secret = "proj-secrets-p"
	ref := func(name string) corev1.LocalObjectReference { return corev1.LocalObjectReference{Name: name} }
	envKey := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: "V", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: ref(name), Key: key}}}
	}
	envFrom := func(name string) corev1.EnvFromSource {
		return corev1.EnvFromSource{Prefix: "P_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: ref(name)}}
	}
	items := func(keys ...string) []corev1.KeyToPath {
		var out []corev1.KeyToPath
		for _, k := range keys {
			out = append(out, corev1.KeyToPath{Key: k, Path: "f-" + k})
		}
		return out
	}
	secretVolume := func(name string, keys ...string) corev1.Volume {
		return corev1.Volume{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name, Items: items(keys...)}}}
	}
	projected := func(sources ...corev1.VolumeProjection) corev1.Volume {
		return corev1.Volume{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: sources}}}
	}
	projSecret := func(name string, keys ...string) corev1.VolumeProjection {
		return corev1.VolumeProjection{Secret: &corev1.SecretProjection{LocalObjectReference: ref(name), Items: items(keys...)}}
	}
	container := func(env []corev1.EnvVar, from []corev1.EnvFromSource) corev1.Container {
		return corev1.Container{Name: "c", Env: env, EnvFrom: from}
	}
	ephemeral := func(env []corev1.EnvVar, from []corev1.EnvFromSource) corev1.EphemeralContainer {
		return corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "e", Env: env, EnvFrom: from}}
	}
	none := Reads{}
	tests := []struct {
		name string
		spec corev1.PodSpec
		want Reads
	}{
		{"nothing", corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}, none},
		{"env key", corev1.PodSpec{Containers: []corev1.Container{container([]corev1.EnvVar{envKey(secret, "A")}, nil)}},
			Reads{Keys: []string{"A"}, How: []string{ReadByEnv}}},
		{"env key of another secret", corev1.PodSpec{Containers: []corev1.Container{container([]corev1.EnvVar{envKey("other", "A")}, nil)}}, none},
		{"env of a literal and a config map", corev1.PodSpec{Containers: []corev1.Container{container([]corev1.EnvVar{{Name: "X", Value: secret},
			{Name: "Y", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref(secret), Key: "A"}}}}, nil)}}, none},
		{"env keys, sorted and once", corev1.PodSpec{Containers: []corev1.Container{
			container([]corev1.EnvVar{envKey(secret, "B"), envKey(secret, "A")}, nil), container([]corev1.EnvVar{envKey(secret, "B")}, nil)}},
			Reads{Keys: []string{"A", "B"}, How: []string{ReadByEnv}}},
		{"envFrom", corev1.PodSpec{Containers: []corev1.Container{container(nil, []corev1.EnvFromSource{envFrom(secret)})}},
			Reads{All: true, How: []string{ReadByEnvFrom}}},
		{"envFrom of another secret", corev1.PodSpec{Containers: []corev1.Container{container(nil, []corev1.EnvFromSource{envFrom("other")})}}, none},
		{"init container env key", corev1.PodSpec{InitContainers: []corev1.Container{container([]corev1.EnvVar{envKey(secret, "A")}, nil)}},
			Reads{Keys: []string{"A"}, How: []string{ReadByEnv}}},
		{"init container envFrom", corev1.PodSpec{InitContainers: []corev1.Container{container(nil, []corev1.EnvFromSource{envFrom(secret)})}},
			Reads{All: true, How: []string{ReadByEnvFrom}}},
		{"ephemeral container env key", corev1.PodSpec{EphemeralContainers: []corev1.EphemeralContainer{ephemeral([]corev1.EnvVar{envKey(secret, "C")}, nil)}},
			Reads{Keys: []string{"C"}, How: []string{ReadByEnv}}},
		{"ephemeral container envFrom", corev1.PodSpec{EphemeralContainers: []corev1.EphemeralContainer{ephemeral(nil, []corev1.EnvFromSource{envFrom(secret)})}},
			Reads{All: true, How: []string{ReadByEnvFrom}}},
		{"whole secret volume", corev1.PodSpec{Volumes: []corev1.Volume{secretVolume(secret)}},
			Reads{All: true, How: []string{ReadByVolume}}},
		{"secret volume items", corev1.PodSpec{Volumes: []corev1.Volume{secretVolume(secret, "B", "A")}},
			Reads{Keys: []string{"A", "B"}, How: []string{ReadByVolume}}},
		{"secret volume of another secret", corev1.PodSpec{Volumes: []corev1.Volume{secretVolume("other")}}, none},
		{"whole projected source", corev1.PodSpec{Volumes: []corev1.Volume{projected(projSecret(secret))}},
			Reads{All: true, How: []string{ReadByVolume}}},
		{"projected source items, among other sources", corev1.PodSpec{Volumes: []corev1.Volume{projected(
			corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: ref(secret)}},
			projSecret("other"), projSecret(secret, "A"))}},
			Reads{Keys: []string{"A"}, How: []string{ReadByVolume}}},
		{"items and a whole volume: every key", corev1.PodSpec{Volumes: []corev1.Volume{secretVolume(secret, "A"), projected(projSecret(secret))}},
			Reads{All: true, How: []string{ReadByVolume}}},
		{"env, envFrom and volume together", corev1.PodSpec{
			Containers: []corev1.Container{container([]corev1.EnvVar{envKey(secret, "A")}, []corev1.EnvFromSource{envFrom(secret)})},
			Volumes:    []corev1.Volume{secretVolume(secret, "B")}},
			Reads{All: true, How: []string{ReadByEnv, ReadByEnvFrom, ReadByVolume}}},
		{"env and volume items", corev1.PodSpec{
			InitContainers: []corev1.Container{container([]corev1.EnvVar{envKey(secret, "A")}, nil)},
			Volumes:        []corev1.Volume{projected(projSecret(secret, "C"))}},
			Reads{Keys: []string{"A", "C"}, How: []string{ReadByEnv, ReadByVolume}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PodSpecReads(&tt.spec, secret)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("PodSpecReads = %+v, want %+v", got, tt.want)
			}
			if got.None() != (len(tt.want.How) == 0) {
				t.Errorf("None() = %v", got.None())
			}
		})
	}
}

func TestReadsAnyAndOnly(t *testing.T) {
	t.Parallel()
	byKey := Reads{Keys: []string{"A", "C"}, How: []string{ReadByEnv}}
	all := Reads{All: true, How: []string{ReadByEnvFrom}}
	tests := []struct {
		name string
		r    Reads
		keys []string
		any  bool
		only []string
	}{
		{"no keys asked: anything", byKey, nil, true, []string{"A", "C"}},
		{"one of the keys", byKey, []string{"C", "Z"}, true, []string{"C"}},
		{"none of the keys", byKey, []string{"B"}, false, []string{}},
		{"every key reads any", all, []string{"B"}, true, nil},
		{"reads nothing", Reads{}, nil, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.ReadsAny(tt.keys); got != tt.any {
				t.Errorf("ReadsAny(%v) = %v, want %v", tt.keys, got, tt.any)
			}
			if got := tt.r.Only(tt.keys); !reflect.DeepEqual(got.Keys, tt.only) || got.All != tt.r.All {
				t.Errorf("Only(%v) = %+v, want keys %v", tt.keys, got, tt.only)
			}
		})
	}
	if len(byKey.Keys) != 2 {
		t.Errorf("Only changed its receiver: %v", byKey.Keys)
	}
}

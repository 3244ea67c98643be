package projsecret

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Size is what a Secret spends of the API server's limits.
type Size struct {
	DataBytes       int // sum of values in data and stringData
	AnnotationBytes int // sum of annotation keys and values
}

// SizeOf measures s the way the API server's validation does.
func SizeOf(s *corev1.Secret) Size {
	var size Size
	for _, v := range s.Data {
		size.DataBytes += len(v)
	}
	for _, v := range s.StringData {
		size.DataBytes += len(v)
	}
	for k, v := range s.Annotations {
		size.AnnotationBytes += len(k) + len(v)
	}
	return size
}

// Check reports the first limit the size exceeds and how far over it is.
func (s Size) Check() error {
	if s.DataBytes > MaxSecretDataBytes {
		return violation(RuleSize, "values total %d bytes, %d over the API server's limit of %d", s.DataBytes, s.DataBytes-MaxSecretDataBytes, MaxSecretDataBytes)
	}
	if s.AnnotationBytes > MaxAnnotationBytes {
		return violation(RuleSize, "annotations total %d bytes (the entries' metadata), %d over the API server's limit of %d", s.AnnotationBytes, s.AnnotationBytes-MaxAnnotationBytes, MaxAnnotationBytes)
	}
	return nil
}

// WarnSecretDataBytes is where an allowed write starts to warn: above
// 900 KiB of values the next few entries will not fit.
const WarnSecretDataBytes = 900 << 10

// Warnings are the limits an allowed Secret is getting close to.
func (s Size) Warnings() []string {
	var w []string
	if s.DataBytes > WarnSecretDataBytes && s.DataBytes <= MaxSecretDataBytes {
		w = append(w, fmt.Sprintf("project secret values total %d KiB of the %d KiB limit", s.DataBytes>>10, MaxSecretDataBytes>>10))
	}
	if s.AnnotationBytes > MaxAnnotationBytes*9/10 && s.AnnotationBytes <= MaxAnnotationBytes {
		w = append(w, fmt.Sprintf("project secret annotations total %d KiB of the %d KiB limit", s.AnnotationBytes>>10, MaxAnnotationBytes>>10))
	}
	return w
}

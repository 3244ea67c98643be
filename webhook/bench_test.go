package webhook

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/projsecret/projsecret"
)

// twentyEntries is an UPDATE of a 20-entry project Secret that changes one
// value, the common write.
func twentyEntries(b *testing.B) []byte {
	s := projectSecret()
	s.Data, s.Annotations[projsecret.AnnotationOwners] = map[string][]byte{}, "user:alice,group:team-a"
	e := projsecret.Entries{}
	for i := range 20 {
		k := fmt.Sprintf("ENTRY_%02d", i)
		s.Data[k] = bytes.Repeat([]byte{'v'}, 64)
		e[k] = projsecret.EntryMeta{Description: "a description of " + k, Labels: map[string]string{"team": "data"},
			CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice", UpdatedBy: "alice"}
	}
	setEntries(s, e)
	next := edit(s, func(n *corev1.Secret) {
		n.Data["ENTRY_07"] = bytes.Repeat([]byte{'w'}, 64)
		m := e["ENTRY_07"]
		m.UpdatedAt = t1
		e["ENTRY_07"] = m
		setEntries(n, e)
	})
	return review{op: update, user: "alice", old: s, obj: next}.body(b, "bench")
}

// BenchmarkServeHTTP is one review end to end, minus TLS: the envelope,
// both objects, the rules and the response.
func BenchmarkServeHTTP(b *testing.B) {
	body := twentyEntries(b)
	wh := NewWebhook(projsecret.DefaultPolicy)
	wh.LogConstructor = func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() }
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"allowed":true`)) {
			b.Fatalf("denied: %s", rec.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reviews/s")
}

package webhook

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

// benchSecret is a project Secret of n entries as the API server sends it
// to the webhook: server-set metadata, managedFields naming every key, and
// values and descriptions of realistic size.
func benchSecret(n int) *corev1.Secret { return benchSecretSized(n, 64, 0) }

// nearLimit is the largest legal project Secret the benchmarks send: 500
// entries whose values total just under 1 MiB and whose metadata fills the
// annotations close to their 256 KiB limit; an UPDATE of it is a review of
// about 3.2 MiB.
const nearLimitEntries, nearLimitValue, nearLimitPad = 500, (projsecret.MaxSecretDataBytes - 4<<10) / 500, 330

func nearLimitSecret() *corev1.Secret {
	return benchSecretSized(nearLimitEntries, nearLimitValue, nearLimitPad)
}

// benchSecretSized is benchSecret with values of valueSize bytes and pad
// more characters in every description.
func benchSecretSized(n, valueSize, pad int) *corev1.Secret {
	s := projectSecret()
	s.UID, s.ResourceVersion, s.CreationTimestamp = "3f0c1e52-6a4b-4c8e-9d1f-2b7a5e9c0d13", "48213", metav1.NewTime(t0)
	s.Labels[projsecret.LabelManagedBy] = projsecret.ManagedByPlugin
	s.Data = map[string][]byte{}
	entries := projsecret.Entries{}
	var fields strings.Builder
	fields.WriteString(`{"f:data":{`)
	for i := range n {
		k := fmt.Sprintf("ENTRY_%04d", i)
		s.Data[k] = bytes.Repeat([]byte{'v'}, valueSize)
		entries[k] = projsecret.EntryMeta{Description: "what " + k + " is for" + strings.Repeat(".", pad), Labels: map[string]string{"team": "data"},
			CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice", UpdatedBy: "alice"}
		if i > 0 {
			fields.WriteString(",")
		}
		fmt.Fprintf(&fields, `"f:%s":{}`, k)
	}
	fields.WriteString(`},"f:metadata":{"f:annotations":{".":{},"f:projsecret.io/entries":{}},"f:labels":{".":{},"f:app.kubernetes.io/managed-by":{},"f:projsecret.io/project":{}}},"f:type":{}}`)
	fixtures.SetEntries(s, entries)
	s.ManagedFields = []metav1.ManagedFieldsEntry{{
		Manager: projsecret.ManagedByPlugin, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
		Time: &metav1.Time{Time: t0}, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields.String()),
	}}
	return s
}

// BenchmarkReview is the whole handler path for one review: the HTTP
// request with the AdmissionReview JSON, the envelope, both objects, the
// rules and the response, without TLS. UPDATE, which carries the old and
// the new object, is the common write. `make bench` runs this with -cpu=1,
// so reviews/s is per core; cpu-ns/op is the process's CPU time per review
// (garbage collection included), which other load does not inflate.
func BenchmarkReview(b *testing.B) {
	for _, op := range []admissionv1.Operation{update, create} {
		for _, n := range []string{"1", "20", "500", "near-limit"} {
			b.Run(fmt.Sprintf("op=%s/entries=%s", strings.ToLower(string(op)), n), func(b *testing.B) {
				var old *corev1.Secret
				if n == "near-limit" {
					old = nearLimitSecret()
				} else {
					entries, _ := strconv.Atoi(n)
					old = benchSecret(entries)
				}
				// One value rotated by alice, as `kubectl projsecret set` does.
				next := fixtures.Edit(old, fixtures.SetValue("ENTRY_0000", strings.Repeat("w", len(old.Data["ENTRY_0000"])), "alice", t1))
				r := review{op: op, user: "alice", groups: []string{"system:authenticated"}, old: old, obj: next}
				if op == create {
					r.old = nil
				}
				body := r.body(b, "bench")
				b.Run("handler=projsecret", func(b *testing.B) {
					wh := NewWebhook(projsecret.DefaultPolicy())
					wh.Log = logr.Discard()
					benchReview(b, wh, body)
				})
				// The floor: the same envelope and HTTP path with a handler
				// that allows everything, as `make bench` part 1 serves it.
				b.Run("handler=allow-all", func(b *testing.B) {
					wh := &admission.Webhook{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
						return admission.Allowed("")
					})}
					wh.LogConstructor = func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() }
					benchReview(b, wh, body)
				})
				// The framework's typed path with our rules: what our own
				// envelope code is measured against (issue 22).
				b.Run("handler=typed", func(b *testing.B) {
					wh := admission.WithValidator[*corev1.Secret](scheme.Scheme, typedValidator{projsecret.DefaultPolicy()})
					wh.LogConstructor = func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() }
					benchReview(b, wh, body)
				})
			})
		}
	}
}

// typedValidator is Policy.Review behind controller-runtime's typed
// Validator, which decodes the envelope and then each object again.
type typedValidator struct{ policy projsecret.Policy }

func (v typedValidator) review(ctx context.Context, op projsecret.Operation, old, obj *corev1.Secret) (admission.Warnings, error) {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil, err
	}
	return v.policy.Review(projsecret.Write{Operation: op, User: req.UserInfo.Username, Groups: req.UserInfo.Groups, Old: old, New: obj})
}

func (v typedValidator) ValidateCreate(ctx context.Context, obj *corev1.Secret) (admission.Warnings, error) {
	return v.review(ctx, projsecret.OpCreate, nil, obj)
}

func (v typedValidator) ValidateUpdate(ctx context.Context, old, obj *corev1.Secret) (admission.Warnings, error) {
	return v.review(ctx, projsecret.OpUpdate, old, obj)
}

func (v typedValidator) ValidateDelete(ctx context.Context, obj *corev1.Secret) (admission.Warnings, error) {
	return v.review(ctx, projsecret.OpDelete, obj, nil)
}

func benchReview(b *testing.B, wh http.Handler, body []byte) {
	b.ReportAllocs()
	cpu := processCPU()
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
	b.ReportMetric(float64(len(body)), "body-bytes")
	if cpu > 0 {
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	}
}

// podMemoryLimit is the webhook container's memory limit in
// manifests/base (TestBaseManifests keeps the two equal); the deployment
// sets GOMEMLIMIT to it.
const podMemoryLimit = 128 << 20

// BenchmarkPeakHeap sends 32 near-limit UPDATE reviews at once, each
// iteration, through the handler as Run serves it (Limit over the
// Webhook) with GOMEMLIMIT at the pod's limit, and reports the highest
// heap seen while they are judged: with the default --max-inflight, and
// unbounded (every review judged at once, as before the bound).
func BenchmarkPeakHeap(b *testing.B) {
	const concurrent = 32
	old := nearLimitSecret()
	next := fixtures.Edit(old, func(s *corev1.Secret) { s.Data["ENTRY_0000"] = bytes.Repeat([]byte{'w'}, nearLimitValue) })
	body := review{op: update, user: "alice", old: old, obj: next}.body(b, "peak")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(podMemoryLimit))
	for _, maxInflight := range []int{DefaultMaxInflight, concurrent} {
		name := fmt.Sprintf("max-inflight=%d", maxInflight)
		if maxInflight == concurrent {
			name = "max-inflight=unbounded"
		}
		b.Run(name, func(b *testing.B) {
			wh := NewWebhook(projsecret.DefaultPolicy())
			wh.Log = logr.Discard()
			h := Limit(wh, maxInflight, DefaultInflightWait)
			var peak uint64
			var busy atomic.Int64
			for b.Loop() {
				runtime.GC()
				stop := make(chan struct{})
				sampled := make(chan uint64)
				go func() { sampled <- sampleHeap(stop) }()
				var wg sync.WaitGroup
				for range concurrent {
					wg.Go(func() {
						req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if bytes.Contains(rec.Body.Bytes(), []byte("webhook is busy")) {
							busy.Add(1)
						} else if !bytes.Contains(rec.Body.Bytes(), []byte(`"allowed":true`)) {
							b.Errorf("denied: %.200s", rec.Body)
						}
					})
				}
				wg.Wait()
				close(stop)
				peak = max(peak, <-sampled)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(podMemoryLimit)/(1<<20), "limit-MiB")
			b.ReportMetric(float64(busy.Load())/float64(b.N), "busy/op")
		})
	}
}

// sampleHeap returns the largest live-and-unswept heap seen until stop.
func sampleHeap(stop <-chan struct{}) uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	t := time.NewTicker(200 * time.Microsecond)
	defer t.Stop()
	for {
		metrics.Read(s)
		peak = max(peak, s[0].Value.Uint64())
		select {
		case <-stop:
			return peak
		case <-t.C:
		}
	}
}

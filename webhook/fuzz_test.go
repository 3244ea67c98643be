package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	admissionmetrics "sigs.k8s.io/controller-runtime/pkg/webhook/admission/metrics"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	"github.com/projsecret/projsecret/internal/invariant"
)

// quietWebhook is the real webhook with its logs dropped, so fuzzing
// measures the review rather than the logger.
func quietWebhook() *Webhook {
	wh := NewWebhook(projsecret.DefaultPolicy())
	wh.Log = logr.Discard()
	return wh
}

// FuzzServeHTTP feeds arbitrary bodies to the real webhook. Whatever comes in, the answer is an AdmissionReview, nothing
// panics, and an allowed answer is only ever the verdict of Policy.Review
// on a request that decodes.
func FuzzServeHTTP(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	wh := quietWebhook()
	panics := admissionmetrics.WebhookPanics.WithLabelValues()
	f.Fuzz(func(t *testing.T, body []byte) {
		before := counterValue(t, panics)
		req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		if counterValue(t, panics) != before {
			t.Fatalf("the webhook panicked on a %d-byte body", len(body))
		}
		var ar admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &ar); err != nil || ar.Response == nil {
			t.Fatalf("answer is not an AdmissionReview (%v): %s", err, rec.Body)
		}
		if !ar.Response.Allowed {
			if ar.Response.Result == nil || ar.Response.Result.Message == "" {
				t.Fatalf("a denial without a message: %s", rec.Body)
			}
			return
		}
		checkAllowed(t, body, ar.Response)
	})
}

// FuzzReview builds well-formed envelopes around arbitrary objects, users
// and operations, to reach the rules rather than the envelope's decoder.
func FuzzReview(f *testing.F) {
	base := projectSecret()
	owned := fixtures.Edit(base, fixtures.WithOwners("user:alice"))
	const gc = "system:serviceaccount:kube-system:generic-garbage-collector"
	// terminating is what kubectl delete --cascade=foreground leaves for
	// the garbage collector; released is its UPDATE.
	terminating := fixtures.Edit(owned, func(s *corev1.Secret) {
		now := metav1.Now()
		s.DeletionTimestamp, s.Finalizers = &now, []string{metav1.FinalizerDeleteDependents}
	})
	released := fixtures.Edit(terminating, func(s *corev1.Secret) { s.Finalizers = nil })
	for _, s := range []struct {
		op       string
		user     string
		old, obj []byte
	}{
		{"CREATE", "alice", nil, mustJSON(f, base)},
		{"UPDATE", "bob", mustJSON(f, owned), mustJSON(f, fixtures.Edit(owned, setValue("api-token", "bob")))},
		{"UPDATE", "alice", mustJSON(f, base), mustJSON(f, fixtures.Edit(base, setValue("DB_PASSWORD", "alice")))},
		{"DELETE", "bob", mustJSON(f, owned), nil},
		{"UPDATE", "alice", mustJSON(f, base), []byte(`{"metadata":{"name":"proj-secrets-demo"}}`)},
		{"CREATE", "alice", nil, []byte(`{"metadata":{"name":"proj-secrets-demo","labels":{"projsecret.io/project":"demo"},"annotations":{"projsecret.io/entries":"{\"a\":{}}"}},"data":{"a":"eA=="}}`)},
		{"DELETE", "bob", mustJSON(f, base), nil},
		{"UPDATE", gc, mustJSON(f, terminating), mustJSON(f, released)},
		{"UPDATE", gc, mustJSON(f, terminating), mustJSON(f, fixtures.Edit(released, fixtures.WithOwners("user:"+gc)))},
		{"UPDATE", gc, mustJSON(f, owned), mustJSON(f, fixtures.Edit(owned, func(s *corev1.Secret) { s.Finalizers = []string{"example.com/hold"} }))},
		{"CREATE", "alice", nil, mustJSON(f, fixtures.Edit(base, fixtures.WithOwners("user:alice,user:bob\u200b")))},
	} {
		f.Add(s.op, s.user, s.old, s.obj)
	}
	wh := quietWebhook()
	f.Fuzz(func(t *testing.T, op, user string, old, obj []byte) {
		req := &admissionv1.AdmissionRequest{
			UID:       "fuzz",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Secret"},
			Operation: admissionv1.Operation(op),
			UserInfo:  authnv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}},
		}
		if json.Valid(obj) {
			req.Object = runtime.RawExtension{Raw: obj}
		}
		if json.Valid(old) {
			req.OldObject = runtime.RawExtension{Raw: old}
		}
		body, err := json.Marshal(admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request:  req,
		})
		if err != nil {
			return
		}
		// Handle directly first: a panic here fails the fuzzer with its stack.
		var uid string
		direct, _ := wh.answer(body, &uid)
		httpReq := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		httpReq.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, httpReq)
		var ar admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &ar); err != nil || ar.Response == nil {
			t.Fatalf("answer is not an AdmissionReview (%v): %s", err, rec.Body)
		}
		if ar.Response.Allowed != direct.Allowed {
			t.Fatalf("over HTTP allowed=%v, directly allowed=%v", ar.Response.Allowed, direct.Allowed)
		}
		if ar.Response.Allowed {
			checkAllowed(t, body, ar.Response)
		} else if ar.Response.Result != nil {
			checkDenial(t, body, ar.Response.Result.Message)
		}
	})
}

// checkAllowed re-derives an allowed verdict independently of the handler:
// the body must decode, name a Secret write with its objects, and pass
// Policy.Review; and the answer must carry the request's UID.
func checkAllowed(t *testing.T, body []byte, resp *admissionv1.AdmissionResponse) {
	t.Helper()
	var ar admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &ar); err != nil || ar.Request == nil {
		t.Fatalf("allowed a body that is not a review (%v); the %d-byte body is not printed, it may hold values", err, len(body))
	}
	if resp.UID != ar.Request.UID {
		t.Fatalf("allowed with UID %q for request %q", resp.UID, ar.Request.UID)
	}
	r := ar.Request
	req := &admissionRequest{Kind: r.Kind, SubResource: r.SubResource, Operation: r.Operation, UserInfo: r.UserInfo}
	var err error
	if len(r.Object.Raw) > 0 {
		if req.Object, err = decodeSecret("object", r.Object.Raw); err != nil {
			t.Fatalf("allowed an unreadable object (%v); the %d-byte body is not printed, it may hold values", err, len(body))
		}
	}
	if len(r.OldObject.Raw) > 0 {
		if req.OldObject, err = decodeSecret("oldObject", r.OldObject.Raw); err != nil {
			t.Fatalf("allowed an unreadable oldObject (%v); the %d-byte body is not printed, it may hold values", err, len(body))
		}
	}
	w, err := writeOf(req)
	if err != nil {
		t.Fatalf("allowed an unreadable request (%v); the %d-byte body is not printed, it may hold values", err, len(body))
	}
	// Judged by properties stated apart from Policy.Review: re-running the
	// policy here would accept any verdict the policy gives, right or wrong.
	v := invariant.Verdict{Op: w.Operation, User: w.User, Groups: w.Groups, Old: w.Old, New: w.New, Allowed: true}
	if broken := invariant.Check(v, invariant.TrustOf(projsecret.DefaultPolicy()), nil); broken != nil {
		t.Fatalf("%v; the %d-byte body is not printed, it may hold values", broken, len(body))
	}
}

// checkDenial: a denial never quotes a value the request carried.
func checkDenial(t *testing.T, body []byte, message string) {
	t.Helper()
	var ar admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &ar); err != nil || ar.Request == nil {
		return
	}
	var values [][]byte
	for _, raw := range [][]byte{ar.Request.Object.Raw, ar.Request.OldObject.Raw} {
		var s corev1.Secret
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		for _, v := range s.Data {
			values = append(values, v)
		}
		for _, v := range s.StringData {
			values = append(values, []byte(v))
		}
	}
	if broken := invariant.Check(invariant.Verdict{Message: message}, invariant.Trust{}, values); broken != nil {
		t.Fatalf("%v; the %d-byte body is not printed, it may hold values", broken, len(body))
	}
}

// fuzzSeeds are reviews that reach every branch: allowed, each rule, and
// the envelope's own failures.
func fuzzSeeds(tb testing.TB) [][]byte {
	base := projectSecret()
	owned := fixtures.Edit(base, fixtures.WithOwners("user:alice"))
	seeds := [][]byte{
		review{op: create, user: "alice", obj: base}.body(tb, "1"),
		review{op: update, user: "alice", old: owned, obj: fixtures.Edit(owned, setValue("api-token", "alice"))}.body(tb, "2"),
		review{op: update, user: "bob", old: owned, obj: fixtures.Edit(owned, setValue("api-token", "bob"))}.body(tb, "3"),
		review{op: del, user: "bob", old: owned}.body(tb, "4"),
		review{op: create, user: "alice", obj: fixtures.Edit(base, func(s *corev1.Secret) { s.Name = "x" })}.body(tb, "5"),
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"6","kind":{"version":"v1","kind":"Secret"},"operation":"DELETE","userInfo":{"username":"a"}}}`),
		[]byte(`{}`),
		[]byte(`null`),
	}
	return seeds
}

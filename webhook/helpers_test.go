package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

// The fixtures are stamped with the current time, as the plugin stamps
// them: the webhook refuses an entry that a write creates or changes
// unless its timestamps are within the policy's clock skew of now.
var (
	t0 = projsecret.Timestamp(time.Now()).Add(-time.Minute)
	t1 = t0.Add(time.Minute)
)

// values are what the test Secrets hold; no response or log may show them.
var values = map[string]string{
	"api-token":   "s3cr3t-VALUE-api-token",
	"DB_PASSWORD": "s3cr3t-VALUE-db-password",
}

// projectSecret is a valid Secret of project demo, every entry created and
// last updated by alice at t0, with the apiVersion and kind the API server
// sends.
func projectSecret() *corev1.Secret {
	s := fixtures.Secret("team", "demo", values, projsecret.EntryMeta{Description: "about the entry", CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice", UpdatedBy: "alice"})
	s.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
	return s
}

// setValue changes key's value as user at t1, stamping its metadata as the
// plugin does.
func setValue(key, user string) func(*corev1.Secret) {
	return fixtures.SetValue(key, values[key]+"-rotated", user, t1)
}

// review is one AdmissionReview request.
type review struct {
	op       admissionv1.Operation
	user     string
	groups   []string
	old, obj runtime.Object
	dryRun   bool
}

func (r review) body(t testing.TB, uid string) []byte {
	t.Helper()
	req := &admissionv1.AdmissionRequest{
		UID:       types.UID(uid),
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Secret"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "secrets"},
		Name:      projsecret.SecretName("demo"),
		Namespace: "team",
		Operation: r.op,
		UserInfo:  authnv1.UserInfo{Username: r.user, Groups: r.groups},
		DryRun:    &r.dryRun,
	}
	if r.obj != nil {
		req.Object = runtime.RawExtension{Raw: mustJSON(t, r.obj)}
	}
	if r.old != nil {
		req.OldObject = runtime.RawExtension{Raw: mustJSON(t, r.old)}
	}
	return mustJSON(t, admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  req,
	})
}

// write is the write r carries, as Policy.Review receives it.
func (r review) write() projsecret.Write {
	w := projsecret.Write{Operation: projsecret.Operation(r.op), User: r.user, Groups: r.groups}
	if r.old != nil {
		w.Old = r.old.(*corev1.Secret)
	}
	if r.obj != nil {
		w.New = r.obj.(*corev1.Secret)
	}
	return w
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logSink collects every log line the webhook writes, at every verbosity.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 10})
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newTestServer serves the real webhook over HTTP with logs captured in
// sink.
func newTestServer(t *testing.T, policy projsecret.Policy, sink *logSink) *httptest.Server {
	t.Helper()
	wh := NewWebhook(policy)
	wh.Log = sink.logger()
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)
	return srv
}

// post sends body and decodes the AdmissionReview that comes back; any
// answer that is not one fails the test.
func post(t *testing.T, url, contentType string, body io.Reader) *admissionv1.AdmissionResponse {
	t.Helper()
	resp, err := http.Post(url, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var ar admissionv1.AdmissionReview
	if err := json.Unmarshal(raw, &ar); err != nil || ar.Response == nil {
		t.Fatalf("HTTP %d, not an AdmissionReview response (%v): %s", resp.StatusCode, err, raw)
	}
	return ar.Response
}

func postReview(t *testing.T, url string, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	return post(t, url, "application/json", bytes.NewReader(body))
}

func message(r *admissionv1.AdmissionResponse) string {
	if r.Result == nil {
		return ""
	}
	return r.Result.Message
}

func assertNoValues(t *testing.T, what, text string) {
	t.Helper()
	for k, v := range values {
		for _, form := range []string{v, fmt.Sprintf("%x", v)} {
			if strings.Contains(text, form) {
				t.Errorf("%s shows the value of %q:\n%s", what, k, text)
			}
		}
	}
	if strings.Contains(text, "s3cr3t") {
		t.Errorf("%s shows a secret value:\n%s", what, text)
	}
}

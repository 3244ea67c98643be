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
)

// The fixtures are stamped with the current time, as the plugin stamps
// them: the webhook refuses an entry that a write creates or changes
// unless its timestamps are within the policy's clock skew of now.
var (
	t0 = projsecret.Now().Add(-time.Minute)
	t1 = t0.Add(time.Minute)
)

// values are what the test Secrets hold; no response or log may show them.
var values = map[string]string{
	"api-token":   "s3cr3t-VALUE-api-token",
	"DB_PASSWORD": "s3cr3t-VALUE-db-password",
}

// projectSecret is a valid Secret of project demo, every entry created and
// last updated by alice at t0.
func projectSecret() *corev1.Secret {
	s := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        projsecret.SecretName("demo"),
			Namespace:   "team",
			Labels:      map[string]string{projsecret.LabelProject: "demo"},
			Annotations: map[string]string{},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{},
	}
	entries := projsecret.Entries{}
	for k, v := range values {
		s.Data[k] = []byte(v)
		entries[k] = projsecret.EntryMeta{Description: "about " + k, CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice", UpdatedBy: "alice"}
	}
	setEntries(s, entries)
	return s
}

func setEntries(s *corev1.Secret, e projsecret.Entries) {
	enc, err := e.Encode()
	if err != nil {
		panic(err)
	}
	s.Annotations[projsecret.AnnotationEntries] = enc
}

func entriesOf(s *corev1.Secret) projsecret.Entries {
	e, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		panic(err)
	}
	return e
}

func edit(s *corev1.Secret, changes ...func(*corev1.Secret)) *corev1.Secret {
	c := s.DeepCopy()
	for _, change := range changes {
		change(c)
	}
	return c
}

func withOwners(list string) func(*corev1.Secret) {
	return func(s *corev1.Secret) { s.Annotations[projsecret.AnnotationOwners] = list }
}

// setValue changes key's value as user, stamping its metadata as the
// plugin does.
func setValue(key, user string) func(*corev1.Secret) {
	return func(s *corev1.Secret) {
		s.Data[key] = []byte(values[key] + "-rotated")
		e := entriesOf(s)
		m := e[key]
		m.UpdatedAt, m.UpdatedBy = t1, user
		e[key] = m
		setEntries(s, e)
	}
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

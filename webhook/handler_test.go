package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	admissionmetrics "sigs.k8s.io/controller-runtime/pkg/webhook/admission/metrics"
)

const (
	create = admissionv1.Create
	update = admissionv1.Update
	del    = admissionv1.Delete
)

// TestVerdictPassThrough: the adapter answers with Policy.Review's verdict
// on the write a review carries, user and groups included: the message
// verbatim, under the review's UID, a denial as a 403, counted under each
// rule's metric label and logged without values; a dry run is judged as
// any other write. The rules themselves are tested once, by
// TestPolicyReview in the projsecret package.
func TestVerdictPassThrough(t *testing.T) {
	base := projectSecret()
	owned := fixtures.Edit(base, fixtures.WithOwners("user:alice,group:team-a"))

	tests := []struct {
		name   string
		policy *projsecret.Policy
		r      review
		// rule is the rule a denial is counted under; empty means allowed.
		rule projsecret.Rule
	}{
		// Allowed only through a group: the groups reach the policy.
		{name: "owner group member updates", r: review{op: update, user: "carol", groups: []string{"team-a"}, old: owned, obj: fixtures.Edit(owned, setValue("api-token", "carol"))}},
		{name: "non-owner updates", r: review{op: update, user: "bob", groups: []string{"system:authenticated"}, old: owned, obj: fixtures.Edit(owned, setValue("api-token", "bob"))},
			rule: projsecret.RuleOwnership},
		{name: "non-owner dry-run update is judged the same", r: review{op: update, user: "bob", old: owned, obj: fixtures.Edit(owned, setValue("api-token", "bob")), dryRun: true},
			rule: projsecret.RuleOwnership},
		{name: "non-owner dry-run delete", r: review{op: del, user: "bob", old: owned, dryRun: true},
			rule: projsecret.RuleOwnership},
		// The webhook judges with the policy it was given, not the default.
		{name: "env rule denies a dash", policy: &projsecret.Policy{KeyRule: projsecret.EnvVarKeyRule, AdminGroups: []string{"system:masters"}},
			r: review{op: create, user: "alice", obj: base}, rule: projsecret.RuleKeyNaming},
		{name: "value changed, authorship left to someone else", r: review{op: update, user: "bob", old: base, obj: fixtures.Edit(base, func(s *corev1.Secret) { s.Data["api-token"] = []byte("s3cr3t-VALUE-bob") })},
			rule: projsecret.RuleMetadata},
		{name: "values over 1 MiB", r: review{op: update, user: "alice", old: base, obj: fixtures.Edit(base, func(s *corev1.Secret) {
			s.Data["api-token"] = bytes.Repeat([]byte("x"), projsecret.MaxSecretDataBytes)
		})}, rule: projsecret.RuleSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := projsecret.DefaultPolicy()
			if tt.policy != nil {
				policy = *tt.policy
			}
			warnings, verdict := policy.Review(tt.r.write())
			if (verdict == nil) != (tt.rule == "") {
				t.Fatalf("Policy.Review says %v; the case expects rule %q", verdict, tt.rule)
			}
			sink := &logSink{}
			srv := newTestServer(t, policy, sink)
			uid := "uid-" + strings.ReplaceAll(tt.name, " ", "-")
			var before float64
			if tt.rule != "" {
				before = counterValue(t, denials.WithLabelValues(string(tt.rule)))
			}

			resp := postReview(t, srv.URL, tt.r.body(t, uid))

			if string(resp.UID) != uid {
				t.Errorf("response UID %q, want %q", resp.UID, uid)
			}
			if verdict == nil {
				if !resp.Allowed {
					t.Fatalf("denied, want allowed: %s", message(resp))
				}
				if !slices.Equal(resp.Warnings, warnings) {
					t.Errorf("warnings %q, Policy.Review's %q", resp.Warnings, warnings)
				}
				return
			}
			if resp.Allowed {
				t.Fatal("allowed, want denied")
			}
			if resp.Result.Code != http.StatusForbidden {
				t.Errorf("code %d, want 403", resp.Result.Code)
			}
			msg := message(resp)
			if msg != verdict.Error() {
				t.Errorf("message is not Policy.Review's:\n%s\nwant:\n%s", msg, verdict)
			}
			if n := strings.Count(msg, "\n") + 1; n > 5 {
				t.Errorf("message has %d lines:\n%s", n, msg)
			}
			if got := counterValue(t, denials.WithLabelValues(string(tt.rule))) - before; got != 1 {
				t.Errorf("denials{rule=%q} rose by %v, want 1", tt.rule, got)
			}
			logs := sink.String()
			for _, w := range []string{uid, `"user"="` + tt.r.user + `"`, `"msg"="denied"`, fmt.Sprintf(`"dryRun"=%v`, tt.r.dryRun)} {
				if !strings.Contains(logs, w) {
					t.Errorf("logs do not contain %s:\n%s", w, logs)
				}
			}
			assertNoValues(t, "the denial", msg)
			assertNoValues(t, "the logs", logs)
			for _, v := range values {
				if b64 := base64.StdEncoding.EncodeToString([]byte(v)); strings.Contains(logs+msg, b64) {
					t.Errorf("logs or denial show a base64 value")
				}
			}
		})
	}
}

func TestWarningNearTheLimit(t *testing.T) {
	srv := newTestServer(t, projsecret.DefaultPolicy(), &logSink{})
	big := fixtures.Edit(projectSecret(), func(s *corev1.Secret) { s.Data["api-token"] = bytes.Repeat([]byte("x"), 950<<10) })
	resp := postReview(t, srv.URL, review{op: create, user: "alice", obj: big}.body(t, "u1"))
	if !resp.Allowed {
		t.Fatalf("denied: %s", message(resp))
	}
	if len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "of the 1024 KiB limit") {
		t.Fatalf("warnings %q, want one about the 1024 KiB limit", resp.Warnings)
	}
	resp = postReview(t, srv.URL, review{op: create, user: "alice", obj: projectSecret()}.body(t, "u2"))
	if !resp.Allowed || len(resp.Warnings) != 0 {
		t.Fatalf("small secret: allowed %v, warnings %q", resp.Allowed, resp.Warnings)
	}
}

// TestMalformed sends what the API server never sends. Each must come back
// as a well-formed denial, never as allowed, and never as a panic.
func TestMalformed(t *testing.T) {
	valid := review{op: create, user: "alice", obj: projectSecret()}
	validBody := string(valid.body(t, "m"))
	envelope := func(request string) string {
		return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":` + request + `}`
	}
	request := func(fields string) string {
		return envelope(`{"uid":"m","kind":{"group":"","version":"v1","kind":"Secret"},"resource":{"group":"","version":"v1","resource":"secrets"},"userInfo":{"username":"alice"},` + fields + `}`)
	}
	secretJSON := string(mustJSON(t, projectSecret()))
	configMap := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proj-secrets-demo","labels":{"projsecret.io/project":"demo"}},"data":{"a":"b"}}`

	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
	}{
		{name: "empty body", body: "", want: "request body is empty"},
		// Offsets count from 0 and name the offending byte, the n.
		{name: "not JSON", body: "{not json", want: "the body is not valid JSON (syntax error at byte 1)"},
		{name: "JSON but not a review", body: `[1,2,3]`, want: "the body is not an AdmissionReview: the value is a JSON array: expected an object"},
		{name: "wrong content type", contentType: "text/plain", body: validBody, want: "expected application/json"},
		{name: "YAML content type", contentType: "application/yaml", body: validBody, want: "expected application/json"},
		{name: "review without request", body: envelope(`null`), want: "v1 Secrets only"},
		{name: "wrong request kind", body: envelope(`{"uid":"m","kind":{"group":"","version":"v1","kind":"ConfigMap"},"operation":"CREATE","userInfo":{"username":"alice"},"object":` + configMap + `}`),
			want: `v1 Secrets only, not "v1 ConfigMap"`},
		{name: "wrong group", body: envelope(`{"uid":"m","kind":{"group":"apps","version":"v1","kind":"Secret"},"operation":"CREATE","userInfo":{"username":"alice"},"object":` + secretJSON + `}`),
			want: `not "apps/v1 Secret"`},
		{name: "object of the wrong kind", body: request(`"operation":"CREATE","object":` + configMap), want: "object is a v1 ConfigMap, expected a v1 Secret"},
		{name: "create without object", body: request(`"operation":"CREATE"`), want: "CREATE request: object is missing"},
		{name: "create with null object", body: request(`"operation":"CREATE","object":null`), want: "object is missing"},
		{name: "update without oldObject", body: request(`"operation":"UPDATE","object":` + secretJSON), want: "UPDATE request: oldObject is missing"},
		{name: "update without object", body: request(`"operation":"UPDATE","oldObject":` + secretJSON), want: "UPDATE request: object is missing"},
		{name: "delete without oldObject", body: request(`"operation":"DELETE"`), want: "DELETE request: oldObject is missing"},
		{name: "connect", body: request(`"operation":"CONNECT","object":` + secretJSON), want: `operation "CONNECT" is not reviewed`},
		{name: "no operation", body: request(`"object":` + secretJSON), want: `operation "" is not reviewed`},
		{name: "no user", body: envelope(`{"uid":"m","kind":{"group":"","version":"v1","kind":"Secret"},"operation":"DELETE","oldObject":` + secretJSON + `}`), want: "names no user"},
		{name: "subresource", body: request(`"subResource":"status","operation":"UPDATE","object":` + secretJSON + `,"oldObject":` + secretJSON), want: `subresource "status"`},
		{name: "object is a string", body: request(`"operation":"CREATE","object":"s3cr3t-VALUE-api-token"`), want: "object is not a v1 Secret"},
		{name: "object is an array", body: request(`"operation":"CREATE","object":[` + secretJSON + `]`), want: "object is not a v1 Secret"},
		{name: "data is not base64", body: request(`"operation":"CREATE","object":` + strings.Replace(secretJSON, `"data":{`, `"data":{"x":"%%%s3cr3t-VALUE-api-token",`, 1)), want: "object is not a v1 Secret"},
		{name: "labels of the wrong type", body: request(`"operation":"CREATE","object":{"metadata":{"labels":["projsecret.io/project"]}}`), want: "object is not a v1 Secret"},
		{name: "fields in the wrong case are not read", body: request(`"operation":"CREATE","object":{"metadata":{"name":"proj-secrets-demo","labels":{"projsecret.io/project":"demo"},"Annotations":{"projsecret.io/entries":"{}"}}}`),
			want: "annotation projsecret.io/entries is missing"},
		{name: "envelope fields in the wrong case are not read", body: request(`"operation":"CREATE","Object":` + secretJSON), want: "CREATE request: object is missing"},
		{name: "not an AdmissionReview", body: `{"apiVersion":"v1","kind":"Secret"}`, want: "not an admission.k8s.io/v1 or v1beta1 AdmissionReview"},
		// Each half of the kind/apiVersion check alone.
		{name: "right apiVersion, wrong kind", body: strings.Replace(validBody, `"kind":"AdmissionReview"`, `"kind":"AdmissionResponse"`, 1), want: `(apiVersion "admission.k8s.io/v1", kind "AdmissionResponse")`},
		{name: "right kind, wrong apiVersion", body: strings.Replace(validBody, `"apiVersion":"admission.k8s.io/v1"`, `"apiVersion":"admission.k8s.io/v2"`, 1), want: `(apiVersion "admission.k8s.io/v2", kind "AdmissionReview")`},
		{name: "huge body", body: request(`"operation":"CREATE","object":{"data":{"a":"` + strings.Repeat("QUFB", 2<<20) + `"}}`), want: "request entity is too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &logSink{}
			srv := newTestServer(t, projsecret.DefaultPolicy(), sink)
			panics := counterValue(t, admissionmetrics.WebhookPanics.WithLabelValues())
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			resp := post(t, srv.URL, ct, strings.NewReader(tt.body))
			if resp.Allowed {
				t.Fatalf("allowed: %+v", resp)
			}
			if got := counterValue(t, admissionmetrics.WebhookPanics.WithLabelValues()); got != panics {
				t.Fatalf("the webhook panicked:\n%s", sink)
			}
			if resp.Result == nil || resp.Result.Code < 400 || resp.Result.Message == "" {
				t.Fatalf("denial without a code and message: %+v", resp.Result)
			}
			if tt.want == "" || !strings.Contains(resp.Result.Message, tt.want) {
				t.Errorf("message %q does not contain %q", resp.Result.Message, tt.want)
			}
			if len(resp.Result.Message) > 1024 {
				t.Errorf("message is %d bytes", len(resp.Result.Message))
			}
			assertNoValues(t, "the denial", resp.Result.Message)
			assertNoValues(t, "the logs", sink.String())
		})
	}
}

// TestPanicIsRefused: a panic while judging is a refusal that carries the
// request's UID and is counted, never an allowed write.
func TestPanicIsRefused(t *testing.T) {
	sink := &logSink{}
	// The zero KeyRule has no check to run: judging any key panics.
	srv := newTestServer(t, projsecret.Policy{}, sink)
	panics := counterValue(t, admissionmetrics.WebhookPanics.WithLabelValues())
	resp := postReview(t, srv.URL, review{op: create, user: "alice", obj: projectSecret()}.body(t, "p1"))
	if resp.Allowed || resp.UID != "p1" || resp.Result == nil || resp.Result.Code != http.StatusInternalServerError {
		t.Fatalf("answer to a panic: %+v", resp)
	}
	if got := counterValue(t, admissionmetrics.WebhookPanics.WithLabelValues()) - panics; got != 1 {
		t.Errorf("panics rose by %v, want 1", got)
	}
	if logs := sink.String(); !strings.Contains(logs, `"requestID"="p1"`) {
		t.Errorf("logs do not name the request:\n%s", logs)
	}
	assertNoValues(t, "the logs", sink.String())
}

func TestV1beta1Review(t *testing.T) {
	srv := newTestServer(t, projsecret.DefaultPolicy(), &logSink{})
	body := strings.Replace(string(review{op: del, user: "bob", old: fixtures.Edit(projectSecret(), fixtures.WithOwners("user:alice"))}.body(t, "b1")),
		`"apiVersion":"admission.k8s.io/v1"`, `"apiVersion":"admission.k8s.io/v1beta1"`, 1)
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"apiVersion":"admission.k8s.io/v1beta1"`) || !strings.Contains(buf.String(), `"allowed":false`) {
		t.Fatalf("v1beta1 review answered with %s", buf.String())
	}
}

// TestDenialsCountedOncePerRule: a write breaking two rules twice each
// counts one denial under each rule.
func TestDenialsCountedOncePerRule(t *testing.T) {
	srv := newTestServer(t, projsecret.DefaultPolicy(), &logSink{})
	bad := fixtures.Edit(projectSecret(), func(s *corev1.Secret) {
		s.Type = corev1.SecretTypeTLS
		s.Name = "wrong"
		s.Data["a.b"] = nil
	})
	before := map[projsecret.Rule]float64{}
	for _, r := range Rules() {
		before[r] = counterValue(t, denials.WithLabelValues(string(r)))
	}
	resp := postReview(t, srv.URL, review{op: create, user: "alice", obj: bad}.body(t, "d1"))
	if resp.Allowed {
		t.Fatal("allowed")
	}
	want := map[projsecret.Rule]float64{projsecret.RuleOwnership: 1, projsecret.RuleKeyNaming: 1, projsecret.RuleMetadata: 1}
	for _, r := range Rules() {
		if got := counterValue(t, denials.WithLabelValues(string(r))) - before[r]; got != want[r] {
			t.Errorf("denials{rule=%q} rose by %v, want %v", r, got, want[r])
		}
	}
}

func TestEveryRuleIsASeries(t *testing.T) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range families {
		if f.GetName() != "projsecret_webhook_denials_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "rule" {
					seen[l.GetValue()] = true
				}
			}
		}
	}
	for _, r := range Rules() {
		if !seen[string(r)] {
			t.Errorf("metrics.Registry has no projsecret_webhook_denials_total{rule=%q}", r)
		}
	}
}

// counterValue reads a counter without prometheus/testutil, which would
// add a module to go.mod.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestBodyAtTheLimit: a body one byte under maxRequestSize is read and
// judged; one of exactly maxRequestSize is refused as too large.
func TestBodyAtTheLimit(t *testing.T) {
	srv := newTestServer(t, projsecret.DefaultPolicy(), &logSink{})
	valid := review{op: create, user: "alice", obj: projectSecret()}.body(t, "limit")
	pad := func(n int) []byte {
		return append(append([]byte{}, valid...), bytes.Repeat([]byte(" "), n-len(valid))...)
	}

	if resp := postReview(t, srv.URL, pad(maxRequestSize-1)); !resp.Allowed {
		t.Errorf("a body of %d bytes (one under the limit): %s", maxRequestSize-1, message(resp))
	}
	resp := postReview(t, srv.URL, pad(maxRequestSize))
	if resp.Allowed || resp.Result.Code != http.StatusRequestEntityTooLarge || !strings.Contains(message(resp), "request entity is too large; limit is 7340032 bytes") {
		t.Errorf("a body of exactly %d bytes: allowed %v, %+v", maxRequestSize, resp.Allowed, resp.Result)
	}
}

// TestContentLengthIsNotTrusted: the buffer is sized from Content-Length
// only when it is within the limit; a client claiming more (or nothing)
// still gets its actual body judged.
func TestContentLengthIsNotTrusted(t *testing.T) {
	wh := NewWebhook(projsecret.DefaultPolicy())
	body := review{op: create, user: "alice", obj: projectSecret()}.body(t, "cl")
	for _, n := range []int64{-1, 0, int64(len(body)), maxRequestSize, maxRequestSize + 1, math.MaxInt64} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.ContentLength = n
			rec := httptest.NewRecorder()
			wh.ServeHTTP(rec, req)
			if ar := decodeReview(t, rec); !ar.Response.Allowed {
				t.Fatalf("Content-Length %d: %s", n, message(ar.Response))
			}
		})
	}
}

// TestNilBody: a request without a body at all (not only an empty one) is
// refused with the same message.
func TestNilBody(t *testing.T) {
	wh := NewWebhook(projsecret.DefaultPolicy())
	for name, req := range map[string]*http.Request{
		"nil":    {Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/json"}}},
		"NoBody": {Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/json"}}, Body: http.NoBody},
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			wh.ServeHTTP(rec, req)
			ar := decodeReview(t, rec)
			if ar.Response.Allowed || ar.Response.Result.Code != http.StatusBadRequest || message(ar.Response) != "request body is empty" {
				t.Fatalf("answer %+v", ar.Response.Result)
			}
		})
	}
}

// TestBodyBufferSizedOnce: with the Content-Length the API server sends,
// a large body is read into one buffer of that size rather than one grown
// by doubling (the point of sizing it: a third of a near-limit review's
// allocation).
func TestBodyBufferSizedOnce(t *testing.T) {
	body := bytes.Repeat([]byte(" "), 1<<20)
	allocs := func(contentLength int64) float64 {
		return testing.AllocsPerRun(5, func() {
			req := &http.Request{Body: io.NopCloser(bytes.NewReader(body)), ContentLength: contentLength, Header: http.Header{"Content-Type": {"application/json"}}}
			if _, _, err := readBody(req); err != nil {
				t.Fatal(err)
			}
		})
	}
	sized, unsized := allocs(int64(len(body))), allocs(-1)
	if sized+3 > unsized {
		t.Errorf("reading 1 MiB took %v allocations with its Content-Length and %v without: the buffer is not sized from it", sized, unsized)
	}
}

// TestRequestLogDryRun: the log says dryRun=true only when the review sets
// it to true, not when it is false or left out.
func TestRequestLogDryRun(t *testing.T) {
	denied := review{op: del, user: "bob", old: fixtures.Edit(projectSecret(), fixtures.WithOwners("user:alice"))}
	for _, tt := range []struct {
		name string
		body func(t *testing.T) []byte
		want string
	}{
		{"true", func(t *testing.T) []byte { r := denied; r.dryRun = true; return r.body(t, "dr") }, `"dryRun"=true`},
		{"false", func(t *testing.T) []byte { return denied.body(t, "dr") }, `"dryRun"=false`},
		{"left out", func(t *testing.T) []byte {
			return bytes.Replace(denied.body(t, "dr"), []byte(`"dryRun":false,`), nil, 1)
		}, `"dryRun"=false`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body(t)
			if tt.name == "left out" && bytes.Contains(body, []byte("dryRun")) {
				t.Fatal("the body still sets dryRun")
			}
			sink := &logSink{}
			srv := newTestServer(t, projsecret.DefaultPolicy(), sink)
			if resp := postReview(t, srv.URL, body); resp.Allowed {
				t.Fatal("allowed")
			}
			if logs := sink.String(); !strings.Contains(logs, tt.want) {
				t.Errorf("logs do not contain %s:\n%s", tt.want, logs)
			}
		})
	}
}

// TestAllowedLoggedAtV1: an allowed review is logged at V(1) and not at
// the default verbosity.
func TestAllowedLoggedAtV1(t *testing.T) {
	body := review{op: create, user: "alice", obj: projectSecret()}.body(t, "v1log")
	for _, verbosity := range []int{0, 1} {
		t.Run(fmt.Sprint(verbosity), func(t *testing.T) {
			var mu sync.Mutex
			var lines []string
			wh := NewWebhook(projsecret.DefaultPolicy())
			wh.Log = funcr.New(func(prefix, args string) {
				mu.Lock()
				defer mu.Unlock()
				lines = append(lines, args)
			}, funcr.Options{Verbosity: verbosity})
			srv := httptest.NewServer(wh)
			defer srv.Close()
			if resp := postReview(t, srv.URL, body); !resp.Allowed {
				t.Fatalf("denied: %s", message(resp))
			}
			mu.Lock()
			defer mu.Unlock()
			logged := strings.Contains(strings.Join(lines, "\n"), `"msg"="allowed"`)
			if logged != (verbosity >= 1) {
				t.Errorf("verbosity %d: allowed logged %v, lines %q", verbosity, logged, lines)
			}
		})
	}
}

// failingWriter is a ResponseWriter whose connection is gone.
type failingWriter struct{ header http.Header }

func (f *failingWriter) Header() http.Header { return f.header }

func (f *failingWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset") }

func (f *failingWriter) WriteHeader(int) {}

// TestResponseWriteFailureLogged: an answer that cannot be written is
// logged with its request UID, and one that is written is not.
func TestResponseWriteFailureLogged(t *testing.T) {
	body := review{op: create, user: "alice", obj: projectSecret()}.body(t, "w1")
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprint(fail), func(t *testing.T) {
			sink := &logSink{}
			wh := NewWebhook(projsecret.DefaultPolicy())
			wh.Log = sink.logger()
			req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			var w http.ResponseWriter = httptest.NewRecorder()
			if fail {
				w = &failingWriter{header: http.Header{}}
			}
			wh.ServeHTTP(w, req)
			logs := sink.String()
			if logged := strings.Contains(logs, "writing the response failed") && strings.Contains(logs, `"requestID"="w1"`); logged != fail {
				t.Errorf("write failed %v, logged %v:\n%s", fail, logged, logs)
			}
		})
	}
}

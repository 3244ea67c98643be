package webhook

// Tests at the edges of the adapter, each written against a mutant that
// `make mutation` found alive or that a compound condition leaves open:
// every half of every condition has a case that fails only that half.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	admissionmetrics "sigs.k8s.io/controller-runtime/pkg/webhook/admission/metrics"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

// TestMalformedEachHalf sends reviews that each break one half of one of
// the adapter's compound checks, and states the message each must get.
func TestMalformedEachHalf(t *testing.T) {
	envelope := func(request string) string {
		return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":` + request + `}`
	}
	request := func(fields string) string {
		return envelope(`{"uid":"m","kind":{"group":"","version":"v1","kind":"Secret"},"userInfo":{"username":"alice"},` + fields + `}`)
	}
	secretJSON := string(mustJSON(t, projectSecret()))
	// Decodes as a Secret (no data), so the envelope's own pass reads it
	// and secretOf judges its kind.
	bareConfigMap := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proj-secrets-demo"}}`
	// Fails to decode as a Secret ("b" is not base64), so explain's
	// one-by-one pass names it.
	configMapWithData := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proj-secrets-demo"},"data":{"a":"b"}}`
	badData := strings.Replace(secretJSON, `"data":{`, `"data":{"x":"%%%",`, 1)

	tests := []struct {
		name string
		body string
		want string
	}{
		// checkRequest: group, version and kind, each wrong alone.
		{name: "request kind of another version", body: envelope(`{"uid":"m","kind":{"group":"","version":"v1beta1","kind":"Secret"},"operation":"CREATE","userInfo":{"username":"alice"},"object":` + secretJSON + `}`),
			want: `this webhook reviews v1 Secrets only, not "v1beta1 Secret"`},
		{name: "request kind of another group", body: envelope(`{"uid":"m","kind":{"group":"apps","version":"v1","kind":"Secret"},"operation":"CREATE","userInfo":{"username":"alice"},"object":` + secretJSON + `}`),
			want: `this webhook reviews v1 Secrets only, not "apps/v1 Secret"`},
		{name: "request kind of another kind", body: envelope(`{"uid":"m","kind":{"group":"","version":"v1","kind":"ConfigMap"},"operation":"CREATE","userInfo":{"username":"alice"},"object":` + bareConfigMap + `}`),
			want: `this webhook reviews v1 Secrets only, not "v1 ConfigMap"`},
		// isSecret: apiVersion and kind, each wrong alone, on the path
		// where the object decoded (secretOf) and where it did not
		// (decodeSecret).
		{name: "object of another apiVersion", body: request(`"operation":"CREATE","object":` + strings.Replace(secretJSON, `"apiVersion":"v1"`, `"apiVersion":"v2"`, 1)),
			want: "CREATE request: object is a v2 Secret, expected a v1 Secret"},
		{name: "object of another kind", body: request(`"operation":"CREATE","object":` + bareConfigMap),
			want: "CREATE request: object is a v1 ConfigMap, expected a v1 Secret"},
		{name: "object of another kind without apiVersion", body: request(`"operation":"CREATE","object":{"kind":"ConfigMap"}`),
			want: "CREATE request: object is a ConfigMap, expected a v1 Secret"},
		{name: "undecodable object of another apiVersion", body: request(`"operation":"CREATE","object":` + strings.Replace(badData, `"apiVersion":"v1"`, `"apiVersion":"v2"`, 1)),
			want: "CREATE request: object is a v2 Secret, expected a v1 Secret"},
		{name: "undecodable object of another kind", body: request(`"operation":"CREATE","object":` + configMapWithData),
			want: "CREATE request: object is a v1 ConfigMap, expected a v1 Secret"},
		{name: "undecodable Secret", body: request(`"operation":"CREATE","object":` + badData),
			want: "CREATE request: object is not a v1 Secret: "},
		// The same for oldObject, which explain reads after object.
		{name: "oldObject of another kind", body: request(`"operation":"UPDATE","object":` + secretJSON + `,"oldObject":` + bareConfigMap),
			want: "UPDATE request: oldObject is a v1 ConfigMap, expected a v1 Secret"},
		{name: "undecodable oldObject of another kind", body: request(`"operation":"UPDATE","object":` + secretJSON + `,"oldObject":` + configMapWithData),
			want: "UPDATE request: oldObject is a v1 ConfigMap, expected a v1 Secret"},
		{name: "undecodable oldObject of a delete", body: request(`"operation":"DELETE","oldObject":` + badData),
			want: "DELETE request: oldObject is not a v1 Secret: "},
		{name: "update with an undecodable oldObject and no object", body: request(`"operation":"UPDATE","oldObject":` + badData),
			want: "UPDATE request: oldObject is not a v1 Secret: "},
		// explain: the envelope failed and so does the request's own check.
		{name: "undecodable object in a review of no user", body: envelope(`{"uid":"m","kind":{"group":"","version":"v1","kind":"Secret"},"operation":"CREATE","object":` + badData + `}`),
			want: "the review names no user: cannot judge ownership or authorship"},
		// An envelope that decodes only as far as its top level.
		{name: "request of the wrong type", body: envelope(`"CREATE"`),
			want: "the body is not an AdmissionReview: "},
		{name: "body is a JSON string", body: `"s3cr3t-VALUE-api-token"`,
			want: "the body is not an AdmissionReview: "},
		// explain's second half: the review decodes on its own with no
		// request (the last of two "request" keys wins) while the
		// envelope failed on the first.
		{name: "a bad request, then request null", body: `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"object":"x"},"request":null}`,
			want: "the body is not an AdmissionReview: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &logSink{}
			srv := newTestServer(t, projsecret.DefaultPolicy(), sink)
			panics := counterValue(t, admissionmetrics.WebhookPanics.WithLabelValues())
			before := counterValue(t, denials.WithLabelValues(string(RuleInvalidRequest)))
			resp := post(t, srv.URL, "application/json", strings.NewReader(tt.body))
			if resp.Allowed {
				t.Fatal("allowed")
			}
			if got := counterValue(t, admissionmetrics.WebhookPanics.WithLabelValues()); got != panics {
				t.Fatalf("the webhook panicked:\n%s", sink)
			}
			if resp.Result == nil || resp.Result.Code != http.StatusBadRequest {
				t.Fatalf("result %+v, want code 400", resp.Result)
			}
			if !strings.Contains(resp.Result.Message, tt.want) {
				t.Errorf("message %q does not contain %q", resp.Result.Message, tt.want)
			}
			if got := counterValue(t, denials.WithLabelValues(string(RuleInvalidRequest))) - before; got != 1 {
				t.Errorf("invalid-request denials rose by %v, want 1", got)
			}
			if logs := sink.String(); !strings.Contains(logs, `"rule"="invalid-request"`) || !strings.Contains(logs, "refused an unreadable review") {
				t.Errorf("logs do not name the refusal:\n%s", logs)
			}
			assertNoValues(t, "the denial", resp.Result.Message)
			assertNoValues(t, "the logs", sink.String())
		})
	}
}

// TestObjectTypeMetaHalves: an object may leave out apiVersion or kind
// (the review's kind already says Secret); each alone is accepted and the
// write is judged by the rules.
func TestObjectTypeMetaHalves(t *testing.T) {
	srv := newTestServer(t, projsecret.DefaultPolicy(), &logSink{})
	for _, tt := range []struct{ name, apiVersion, kind string }{
		{"apiVersion left out", "", "Secret"},
		{"kind left out", "v1", ""},
		{"both left out", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := projectSecret()
			s.APIVersion, s.Kind = tt.apiVersion, tt.kind
			resp := postReview(t, srv.URL, review{op: create, user: "alice", obj: s}.body(t, "tm"))
			if !resp.Allowed {
				t.Fatalf("denied: %s", message(resp))
			}
			bad := fixtures.Edit(s, func(s *corev1.Secret) { s.Data["a.b"] = nil })
			if resp := postReview(t, srv.URL, review{op: create, user: "alice", obj: bad}.body(t, "tm")); resp.Allowed || resp.Result.Code != http.StatusForbidden {
				t.Fatalf("a bad key was not judged by the rules: %+v", resp.Result)
			}
		})
	}
}

// TestDecodeSecretSyntax: a syntax error inside an embedded object is
// reported by field and offset only. A body the API server sends always
// holds valid JSON there, so this path is reached only directly.
func TestDecodeSecretSyntax(t *testing.T) {
	_, err := decodeSecret("oldObject", []byte(`{"data":{"k":"s3cr3t-VALUE-api-token"`))
	if err == nil || err.Error() != "oldObject is not valid JSON (syntax error at byte 37)" {
		t.Fatalf("got %v", err)
	}
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

// TestDeniedRules: every shape of error the policy can return is counted
// under its rules, each once, in the order first broken.
func TestDeniedRules(t *testing.T) {
	key := &projsecret.Violation{Rule: projsecret.RuleKeyNaming, Message: "k"}
	owner := &projsecret.Violation{Rule: projsecret.RuleOwnership, Message: "o"}
	for _, tt := range []struct {
		name string
		err  error
		want []projsecret.Rule
	}{
		{"violations, repeated", projsecret.Violations{owner, key, owner, key}, []projsecret.Rule{projsecret.RuleOwnership, projsecret.RuleKeyNaming}},
		{"wrapped violations", fmt.Errorf("review: %w", projsecret.Violations{key}), []projsecret.Rule{projsecret.RuleKeyNaming}},
		{"one violation, wrapped", fmt.Errorf("review: %w", owner), []projsecret.Rule{projsecret.RuleOwnership}},
		{"a plain error", errors.New("boom"), []projsecret.Rule{RuleInvalidRequest}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := deniedRules(tt.err); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCountDenialOfAnUnlistedRule: a rule missing from Rules is still
// counted, as its own series.
func TestCountDenialOfAnUnlistedRule(t *testing.T) {
	const r = projsecret.Rule("not-in-rules")
	for _, known := range Rules() {
		if known == r {
			t.Fatalf("%q is in Rules", r)
		}
	}
	before := counterValue(t, denials.WithLabelValues(string(r)))
	countDenial(r)
	if got := counterValue(t, denials.WithLabelValues(string(r))) - before; got != 1 {
		t.Fatalf("rose by %v, want 1", got)
	}
	b := counterValue(t, denials.WithLabelValues(string(projsecret.RuleSize)))
	countDenial(projsecret.RuleSize)
	if got := counterValue(t, denials.WithLabelValues(string(projsecret.RuleSize))) - b; got != 1 {
		t.Fatalf("a listed rule rose by %v, want 1", got)
	}
}

// TestWithDefaults: each zero field gets its default, and a set one is kept.
func TestWithDefaults(t *testing.T) {
	got := Options{}.withDefaults()
	want := Options{Port: 9443, GracefulShutdownTimeout: DefaultGracefulShutdownTimeout, MaxInflight: DefaultMaxInflight, InflightWait: DefaultInflightWait, MaxConnections: DefaultMaxConnections, MaxBufferedBytes: DefaultMaxBufferedBytes}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	set := Options{Port: 1, GracefulShutdownTimeout: time.Second, MaxInflight: 2, InflightWait: time.Millisecond, MaxConnections: 3, MaxBufferedBytes: 4}
	if got := set.withDefaults(); fmt.Sprint(got) != fmt.Sprint(set) {
		t.Errorf("set options became %+v", got)
	}
}

// TestPeekReviewHalves: each way the peek gives up, alone.
func TestPeekReviewHalves(t *testing.T) {
	for _, tc := range []struct {
		name, body, apiVersion, uid string
	}{
		{"a top-level array", `[{"apiVersion":"admission.k8s.io/v1"}]`, "", ""},
		{"empty", ``, "", ""},
		{"apiVersion not a string", `{"apiVersion":1,"request":{"uid":"u"}}`, "", ""},
		{"request not an object", `{"apiVersion":"admission.k8s.io/v1","request":["uid","u"]}`, "admission.k8s.io/v1", ""},
		{"request null", `{"apiVersion":"admission.k8s.io/v1","request":null}`, "admission.k8s.io/v1", ""},
		{"request without uid", `{"apiVersion":"admission.k8s.io/v1","request":{"kind":{}}}`, "admission.k8s.io/v1", ""},
		{"request cut inside a field", `{"apiVersion":"admission.k8s.io/v1","request":{"kind":{"a":`, "admission.k8s.io/v1", ""},
		{"request cut after a key", `{"apiVersion":"admission.k8s.io/v1","request":{"kind"`, "admission.k8s.io/v1", ""},
		{"uid cut", `{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u`, "admission.k8s.io/v1", ""},
		{"cut inside another field", `{"apiVersion":"admission.k8s.io/v1","kind":"Adm`, "admission.k8s.io/v1", ""},
		{"cut after a key", `{"apiVersion":"admission.k8s.io/v1","kind"`, "admission.k8s.io/v1", ""},
		{"no request", `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}`, "admission.k8s.io/v1beta1", ""},
		{"request before apiVersion", `{"request":{"uid":"u5"},"apiVersion":"admission.k8s.io/v1"}`, "", "u5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apiVersion, uid := peekReview(strings.NewReader(tc.body))
			if apiVersion != tc.apiVersion || string(uid) != tc.uid {
				t.Errorf("got %q %q, want %q %q", apiVersion, uid, tc.apiVersion, tc.uid)
			}
		})
	}
}

// TestBusyAnswerWithoutBody: the busy answer needs no body to be written.
func TestBusyAnswerWithoutBody(t *testing.T) {
	l := Limit(http.NotFoundHandler(), 1, time.Millisecond).(*limiter)
	l.slots <- struct{}{}
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, &http.Request{Method: http.MethodPost, Header: http.Header{}})
	ar := decodeReview(t, rec)
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Response.Allowed || ar.Response.UID != "" || ar.Response.Result.Code != http.StatusTooManyRequests {
		t.Fatalf("busy answer to a request without a body: %s %+v", ar.APIVersion, ar.Response)
	}
	<-l.slots
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

// failingWriter is a ResponseWriter whose connection is gone.
type failingWriter struct{ header http.Header }

func (f *failingWriter) Header() http.Header       { return f.header }
func (f *failingWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset") }
func (f *failingWriter) WriteHeader(int)           {}

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

// TestBusyWriteFailureLogged: a busy answer that cannot be written is
// logged, and one that is written is not.
func TestBusyWriteFailureLogged(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprint(fail), func(t *testing.T) {
			sink := &logSink{}
			l := Limit(http.NotFoundHandler(), 1, time.Millisecond).(*limiter)
			l.log = sink.logger()
			l.slots <- struct{}{}
			defer func() { <-l.slots }()
			var w http.ResponseWriter = httptest.NewRecorder()
			if fail {
				w = &failingWriter{header: http.Header{}}
			}
			l.ServeHTTP(w, reviewRequest(t, context.Background(), "b1"))
			logs := sink.String()
			if logged := strings.Contains(logs, "writing the response failed") && strings.Contains(logs, `"requestID"="b1"`); logged != fail {
				t.Errorf("write failed %v, logged %v:\n%s", fail, logged, logs)
			}
		})
	}
}

package webhook

import (
	"net/http"
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	corev1 "k8s.io/api/core/v1"
	admissionmetrics "sigs.k8s.io/controller-runtime/pkg/webhook/admission/metrics"
)

// TestDecodeEnvelopeVersions: both AdmissionReview versions the API server
// may send decode, and are answered in their own version.
func TestDecodeEnvelopeVersions(t *testing.T) {
	owned := fixtures.Edit(projectSecret(), fixtures.WithOwners("user:alice"))
	v1 := string(review{op: del, user: "bob", old: owned}.body(t, "e1"))
	for _, version := range []string{"admission.k8s.io/v1", "admission.k8s.io/v1beta1"} {
		body := strings.Replace(v1, `"apiVersion":"admission.k8s.io/v1"`, `"apiVersion":"`+version+`"`, 1)
		env, err := decodeEnvelope([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", version, err)
			continue
		}
		if got := env.apiVersion(); got != version {
			t.Errorf("%s answered in %s", version, got)
		}
	}
}

// TestWriteOfNamesTheOperation: the contract's Write carries the review's
// operation, whatever the policy would make of a Write without one.
func TestWriteOfNamesTheOperation(t *testing.T) {
	s := projectSecret()
	for _, tc := range []struct {
		r    review
		want projsecret.Operation
	}{
		{review{op: create, user: "alice", obj: s}, projsecret.OpCreate},
		{review{op: update, user: "alice", old: s, obj: s}, projsecret.OpUpdate},
		{review{op: del, user: "alice", old: s}, projsecret.OpDelete},
	} {
		env, err := decodeEnvelope(tc.r.body(t, "o"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := writeOf(env.Request)
		if err != nil || w.Operation != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.r.op, w.Operation, err, tc.want)
		}
	}
}

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
		// Invalid UTF-8 is JSON text only to the lenient reading that
		// explain uses to find the request: it is called what it is,
		// with or without a request that reads.
		{name: "invalid UTF-8 outside a request", body: `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","note":"` + "\xff" + `"}`,
			want: "the body is not valid JSON (syntax error at byte 69)"},
		{name: "invalid UTF-8 in a request", body: request(`"operation":"CREATE","name":"` + "\xff" + `","object":` + secretJSON),
			want: "the body is not valid JSON (syntax error at byte 194)"},
		// A null object is no object, not one at fault: the oldObject is.
		{name: "update with a null object and an undecodable oldObject", body: request(`"operation":"UPDATE","object":null,"oldObject":` + badData),
			want: "UPDATE request: oldObject is not a v1 Secret: "},
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

package webhook

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	admissionmetrics "sigs.k8s.io/controller-runtime/pkg/webhook/admission/metrics"

	"github.com/projsecret/projsecret"
)

const (
	create = admissionv1.Create
	update = admissionv1.Update
	del    = admissionv1.Delete
)

func TestRules(t *testing.T) {
	base := projectSecret()
	owned := edit(base, withOwners("user:alice,group:team-a"))
	admins := []string{"system:masters", "system:authenticated"}
	withKey := func(key string) func(*corev1.Secret) {
		return func(s *corev1.Secret) {
			s.Data[key] = []byte("s3cr3t-VALUE-new")
			e := entriesOf(s)
			e[key] = projsecret.EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "alice", UpdatedBy: "alice"}
			setEntries(s, e)
		}
	}

	tests := []struct {
		name   string
		policy *projsecret.Policy
		r      review
		// rule is the rule a denial is counted under; empty means allowed.
		rule projsecret.Rule
		want []string
	}{
		// Key naming.
		{name: "create with valid keys", r: review{op: create, user: "alice", obj: base}},
		{name: "create with an invalid key", r: review{op: create, user: "alice", obj: edit(base, withKey("bad.key"))},
			rule: projsecret.RuleKeyNaming, want: []string{`invalid key(s) "bad.key": expected ^[A-Za-z0-9_-]+$`}},
		{name: "update adding an invalid key", r: review{op: update, user: "alice", old: base, obj: edit(base, withKey("has space"))},
			rule: projsecret.RuleKeyNaming, want: []string{`"has space"`}},
		{name: "env rule denies a dash", policy: &projsecret.Policy{KeyRule: projsecret.EnvVarKeyRule, AdminGroups: []string{"system:masters"}},
			r:    review{op: create, user: "alice", obj: base},
			rule: projsecret.RuleKeyNaming, want: []string{`"api-token"`, "POSIX environment variable name"}},
		{name: "env rule allows env names", policy: &projsecret.Policy{KeyRule: projsecret.EnvVarKeyRule, AdminGroups: []string{"system:masters"}},
			r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) {
				delete(s.Data, "api-token")
				e := entriesOf(s)
				delete(e, "api-token")
				setEntries(s, e)
			})}},

		// Project ownership.
		{name: "create with a name that does not match", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) { s.Name = "proj-secrets-other" })},
			rule: projsecret.RuleOwnership, want: []string{`secret "proj-secrets-other" is labeled for project "demo": its name must be "proj-secrets-demo"`}},
		{name: "create with an invalid project", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) {
			s.Labels[projsecret.LabelProject] = "-demo"
			s.Name = "proj-secrets--demo"
		})}, rule: projsecret.RuleOwnership, want: []string{`project name "-demo" is invalid`}},
		{name: "create with type tls", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) { s.Type = corev1.SecretTypeTLS })},
			rule: projsecret.RuleOwnership, want: []string{`secret type is "kubernetes.io/tls": project secrets must be "Opaque"`}},
		{name: "update removing the label", r: review{op: update, user: "alice", old: base, obj: edit(base, func(s *corev1.Secret) { delete(s.Labels, projsecret.LabelProject) })},
			rule: projsecret.RuleOwnership, want: []string{`label projsecret.io/project cannot be changed or removed (it was "demo")`}},
		{name: "update changing the label", r: review{op: update, user: "alice", old: base, obj: edit(base, func(s *corev1.Secret) {
			s.Labels[projsecret.LabelProject] = "other"
			s.Name = "proj-secrets-other"
		})}, rule: projsecret.RuleOwnership, want: []string{"cannot be changed or removed"}},
		{name: "owner updates", r: review{op: update, user: "alice", old: owned, obj: edit(owned, setValue("api-token", "alice"))}},
		{name: "owner group member updates", r: review{op: update, user: "carol", groups: []string{"team-a"}, old: owned, obj: edit(owned, setValue("api-token", "carol"))}},
		{name: "non-owner updates", r: review{op: update, user: "bob", groups: []string{"system:authenticated"}, old: owned, obj: edit(owned, setValue("api-token", "bob"))},
			rule: projsecret.RuleOwnership, want: []string{`user "bob" is not an owner of project "demo" (owners: user:alice,group:team-a; admins: group system:masters)`}},
		{name: "non-owner dry-run update is judged the same", r: review{op: update, user: "bob", old: owned, obj: edit(owned, setValue("api-token", "bob")), dryRun: true},
			rule: projsecret.RuleOwnership, want: []string{`user "bob" is not an owner`}},
		{name: "admin updates", r: review{op: update, user: "root", groups: admins, old: owned, obj: edit(owned, setValue("api-token", "root"))}},
		{name: "owner deletes", r: review{op: del, user: "alice", old: owned}},
		{name: "non-owner deletes", r: review{op: del, user: "bob", old: owned},
			rule: projsecret.RuleOwnership, want: []string{`user "bob" is not an owner`}},
		{name: "non-owner dry-run delete", r: review{op: del, user: "bob", old: owned, dryRun: true},
			rule: projsecret.RuleOwnership, want: []string{`user "bob" is not an owner`}},
		{name: "admin deletes", r: review{op: del, user: "root", groups: admins, old: owned}},
		{name: "custom admin group deletes", policy: &projsecret.Policy{KeyRule: projsecret.DefaultKeyRule, AdminGroups: []string{"ops"}},
			r: review{op: del, user: "dave", groups: []string{"ops"}, old: owned}},
		{name: "system:masters is no admin when replaced", policy: &projsecret.Policy{KeyRule: projsecret.DefaultKeyRule, AdminGroups: []string{"ops"}},
			r:    review{op: del, user: "root", groups: admins, old: owned},
			rule: projsecret.RuleOwnership, want: []string{"admins: group ops"}},
		{name: "anyone deletes an unowned project", r: review{op: del, user: "bob", old: base}},
		{name: "non-owner rewrites the owners", r: review{op: update, user: "bob", old: owned, obj: edit(owned, withOwners("user:bob"))},
			rule: projsecret.RuleOwnership, want: []string{`user "bob" is not an owner`}},
		{name: "create with owners naming the creator", r: review{op: create, user: "alice", obj: owned}},
		{name: "create with owners leaving the creator out", r: review{op: create, user: "alice", obj: edit(base, withOwners("user:bob"))},
			rule: projsecret.RuleOwnership, want: []string{`user "alice" sets owners user:bob without being one of them`}},
		{name: "admin creates with others as owners", r: review{op: create, user: "alice", groups: admins, obj: edit(base, withOwners("user:bob"))}},

		// Metadata annotations.
		{name: "create without the entries annotation", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) { delete(s.Annotations, projsecret.AnnotationEntries) })},
			rule: projsecret.RuleMetadata, want: []string{"annotation projsecret.io/entries is missing"}},
		{name: "entries with an unknown field", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) {
			s.Annotations[projsecret.AnnotationEntries] = strings.Replace(s.Annotations[projsecret.AnnotationEntries], `"createdAt"`, `"owner":"x","createdAt"`, 1)
		})}, rule: projsecret.RuleMetadata, want: []string{`unknown field`, `owner"`}},
		{name: "entries that are not JSON", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) { s.Annotations[projsecret.AnnotationEntries] = "api-token,DB_PASSWORD" })},
			rule: projsecret.RuleMetadata, want: []string{"is not a JSON object of entries"}},
		{name: "a key without an entry", r: review{op: update, user: "alice", old: base, obj: edit(base, func(s *corev1.Secret) { s.Data["extra"] = []byte("s3cr3t-VALUE-x") })},
			rule: projsecret.RuleMetadata, want: []string{"key(s) extra have no entry in annotation projsecret.io/entries"}},
		{name: "an entry without a key", r: review{op: update, user: "alice", old: base, obj: edit(base, func(s *corev1.Secret) { delete(s.Data, "DB_PASSWORD") })},
			rule: projsecret.RuleMetadata, want: []string{"has entries DB_PASSWORD with no data key"}},
		{name: "updatedAt before createdAt", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) {
			e := entriesOf(s)
			m := e["api-token"]
			m.CreatedAt = t1
			e["api-token"] = m
			setEntries(s, e)
		})}, rule: projsecret.RuleMetadata, want: []string{`entry "api-token": updatedAt ` + t0.Format(time.RFC3339) + ` is before createdAt ` + t1.Format(time.RFC3339)}},
		{name: "a timestamp that does not parse", r: review{op: create, user: "alice", obj: edit(base, func(s *corev1.Secret) {
			s.Annotations[projsecret.AnnotationEntries] = strings.Replace(s.Annotations[projsecret.AnnotationEntries], t0.Format(time.RFC3339), "2025-13-45", 1)
		})}, rule: projsecret.RuleMetadata, want: []string{"annotation projsecret.io/entries"}},
		{name: "createdBy rewritten", r: review{op: update, user: "alice", old: base, obj: edit(base, func(s *corev1.Secret) {
			e := entriesOf(s)
			m := e["api-token"]
			m.CreatedBy = "mallory"
			e["api-token"] = m
			setEntries(s, e)
		})}, rule: projsecret.RuleMetadata, want: []string{`entry "api-token": createdAt and createdBy cannot change`}},
		{name: "value changed, authorship left to someone else", r: review{op: update, user: "bob", old: base, obj: edit(base, func(s *corev1.Secret) { s.Data["api-token"] = []byte("s3cr3t-VALUE-bob") })},
			rule: projsecret.RuleMetadata, want: []string{`entry "api-token" changed: updatedBy must be the requesting user "bob", not "alice"`}},
		{name: "value changed, authorship updated", r: review{op: update, user: "bob", old: base, obj: edit(base, setValue("api-token", "bob"))}},
		{name: "new entry credited to someone else", r: review{op: update, user: "bob", old: base, obj: edit(base, withKey("NEW"))},
			rule: projsecret.RuleMetadata, want: []string{`entry "NEW" is new: createdBy and updatedBy must be the requesting user "bob"`}},
		{name: "label added to a plain secret judges every entry as new", r: review{op: update, user: "bob",
			old: edit(base, func(s *corev1.Secret) { delete(s.Labels, projsecret.LabelProject) }), obj: base},
			rule: projsecret.RuleMetadata, want: []string{`entry "DB_PASSWORD" is new`, `entry "api-token" is new`}},

		// Size.
		{name: "values over 1 MiB", r: review{op: update, user: "alice", old: base, obj: edit(base, func(s *corev1.Secret) {
			s.Data["api-token"] = bytes.Repeat([]byte("x"), projsecret.MaxSecretDataBytes)
		})}, rule: projsecret.RuleSize, want: []string{"over the API server's limit of 1048576"}},

		// Not ours.
		{name: "an unlabeled secret passes", r: review{op: create, user: "bob", obj: &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: "team"},
			Data:       map[string][]byte{"not a key!": []byte("s3cr3t-VALUE-plain")},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := projsecret.DefaultPolicy()
			if tt.policy != nil {
				policy = *tt.policy
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
			if tt.rule == "" {
				if !resp.Allowed {
					t.Fatalf("denied, want allowed: %s", message(resp))
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
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not contain %q:\n%s", w, msg)
				}
			}
			if n := strings.Count(msg, "\n") + 1; n > 5 {
				t.Errorf("message has %d lines:\n%s", n, msg)
			}
			if got := counterValue(t, denials.WithLabelValues(string(tt.rule))) - before; got != 1 {
				t.Errorf("denials{rule=%q} rose by %v, want 1", tt.rule, got)
			}
			logs := sink.String()
			for _, w := range []string{uid, `"user"="` + tt.r.user + `"`, `"msg"="denied"`} {
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
	big := edit(projectSecret(), func(s *corev1.Secret) { s.Data["api-token"] = bytes.Repeat([]byte("x"), 950<<10) })
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
		{name: "not JSON", body: "{not json", want: "the body is not valid JSON (syntax error at byte 2)"},
		{name: "JSON but not a review", body: `[1,2,3]`, want: "the body is not an AdmissionReview: json: cannot unmarshal array"},
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
	body := strings.Replace(string(review{op: del, user: "bob", old: edit(projectSecret(), withOwners("user:alice"))}.body(t, "b1")),
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
	bad := edit(projectSecret(), func(s *corev1.Secret) {
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

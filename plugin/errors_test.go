package plugin

import (
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

// TestUsageErrors: command-line mistakes name what was wrong and what is
// expected, exit 1, and never reach the cluster.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"crate", "p", "k"}, `error: unknown command "crate" (did you mean create?) (see 'kubectl projsecret --help')`},
		{[]string{"frobnicate"}, `unknown command "frobnicate": expected one of adopt, completion, copy, create, delete, diff, edit, expiring, export, get, history, import, meta, owners, projects, read, restart, rollback, run, set, ui, undelete, uses, version`},
		{[]string{"create", "p"}, `error: create takes PROJECT KEY: got 1 argument (see 'kubectl projsecret create --help')`},
		{[]string{"create", "p", "k", "value-by-mistake"}, `create takes PROJECT KEY: got 3 arguments`},
		{[]string{"read", "p"}, `read takes PROJECT KEY: got 1 argument`},
		{[]string{"set"}, `set takes PROJECT KEY: got 0 arguments`},
		{[]string{"get"}, `get takes PROJECT [KEY...]: got 0 arguments`},
		{[]string{"meta", "p", "k"}, `nothing to change: expected --description, --label, --expires-at, --expires-in or --rotate-every (see 'kubectl projsecret meta --help')`},
		{[]string{"meta", "p", "k", "--label", "env"}, `--label "env" is invalid: expected KEY=VALUE, or KEY- to remove a label`},
		{[]string{"meta", "p", "k", "--label", "env=a", "--label", "env-"}, `--label sets and removes "env": expected one or the other`},
		{[]string{"meta", "p", "k", "--label", "bad key=x"}, `--label "bad key=x": label key "bad key" is invalid`},
		{[]string{"meta", "p", "k", "--description", strings.Repeat("d", 1025)}, `--description: description is 1025 characters long: at most 1024 are allowed`},
		{[]string{"create", "p", "k", "--from-literal=x", "--label", "env-"}, `--label "env-" is invalid: expected KEY=VALUE (see`},
		{[]string{"create", "p", "k", "--from-literal=x", "--label", "env=bad value"}, `label "env" value "bad value" is invalid`},
		{[]string{"delete"}, `delete takes PROJECT (KEY... | --all): got 0 arguments`},
		{[]string{"delete", "p"}, `no keys given: expected the keys to delete, or --all to delete the whole project`},
		{[]string{"delete", "p", "k", "--all"}, `--all and keys both given`},
		{[]string{"delete", "p", "k", "--yes"}, `--yes applies only to --all`},
		{[]string{"copy", "p", "k"}, `--to is required: expected the destination project`},
		{[]string{"copy", "p", "--to", "q"}, `no keys given: expected the keys to copy, or --all`},
		{[]string{"copy", "p", "k", "--all", "--to", "q"}, `--all and keys both given`},
		{[]string{"copy", "p", "k", "--to", "Q"}, `--to: project name "Q" is invalid`},
		{[]string{"adopt", "p", "--owner", "alice"}, `--owner: annotation projsecret.io/owners: owner "alice" is invalid`},
		{[]string{"adopt", "P"}, `project name "P" is invalid`},
		{[]string{"uses", "p", "-o", "xml"}, `-o "xml" is not a known format`},
		{[]string{"delete", "p", "a", "b", "a"}, `key "a" is given twice: expected each key once`},
		{[]string{"projects", "p"}, `projects takes no arguments: got 1 argument`},
		{[]string{"owners"}, `owners takes PROJECT [SUBJECT...]: got 0 arguments`},
		{[]string{"owners", "p", "alice"}, `owner "alice" is invalid: expected user:NAME or group:NAME`},
		{[]string{"owners", "p", "user:a", "--clear"}, `--clear and subjects both given: expected --clear alone, or the new owners`},
		{[]string{"version", "extra"}, `version takes no arguments: got 1 argument`},
		{[]string{"version", "-o", "xml"}, `-o "xml" is not a known format: expected json or yaml`},
		{[]string{"get", "p", "--bogus"}, `error: unknown flag: --bogus (see 'kubectl projsecret get --help')`},
		{[]string{"set", "p", "k", "--create=maybe"}, `invalid argument "maybe" for "--create" flag`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t)
			h.run(t, "", tt.args...).fails(t, tt.want)
			if h.clientCalls != 0 {
				t.Errorf("a usage error built a client")
			}
		})
	}
}

func forbidden(verb string) k8stesting.ReactionFunc {
	return func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "proj-secrets-web",
			errorString(`User "mallory" cannot `+verb+` resource "secrets" in API group "" in the namespace "team-a"`))
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestAPIErrors: what the API server and the webhook say reaches the user
// as one line naming project, key and cause.
func TestAPIErrors(t *testing.T) {
	t.Parallel()
	webhookDenial := &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden,
		Message: "admission webhook \"validate.projsecret.io\" denied the request: user \"mallory\" is not an owner of project \"web\" (owners: user:alice)\nentry \"K\" is new: createdBy and updatedBy must be the requesting user \"mallory\"",
	}}
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, "proj-secrets-web", errorString("the object has been modified"))
	always := func(err error) k8stesting.ReactionFunc {
		return func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, err }
	}
	tests := []struct {
		name     string
		verb     string
		reaction k8stesting.ReactionFunc
		args     []string
		want     string
		// The contract words the retry budget; only the parts the user
		// needs are pinned.
		also []string
	}{
		{"read forbidden", "get", forbidden("get"), []string{"read", "web", "K"},
			`error: project "web": secrets "proj-secrets-web" is forbidden: User "mallory" cannot get resource "secrets" in API group "" in the namespace "team-a"`, nil},
		{"get forbidden", "get", forbidden("get"), []string{"get", "web"},
			`error: project "web": secrets "proj-secrets-web" is forbidden: User "mallory" cannot get`, nil},
		{"set forbidden", "update", forbidden("update"), []string{"set", "web", "K", "--from-literal=x"},
			`error: project "web", key "K": secrets "proj-secrets-web" is forbidden: User "mallory" cannot update`, nil},
		{"projects forbidden", "list", forbidden("list"), []string{"projects"},
			`error: namespace "team-a": listing project secrets: secrets "proj-secrets-web" is forbidden: User "mallory" cannot list`, nil},
		{"projects -A forbidden", "list", forbidden("list"), []string{"projects", "-A"},
			`error: all namespaces: listing project secrets:`, nil},
		{"webhook denial on one line", "update", always(webhookDenial), []string{"meta", "web", "K", "--label", "a=b"},
			`error: project "web", key "K": admission webhook "validate.projsecret.io" denied the request: user "mallory" is not an owner of project "web" (owners: user:alice); entry "K" is new: createdBy and updatedBy must be the requesting user "mallory"`, nil},
		{"conflict after retries", "update", always(conflict), []string{"delete", "web", "K"},
			`error: project "web": gave up after `, []string{"conflicting attempts", `: Operation cannot be fulfilled on secrets "proj-secrets-web": the object has been modified`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "v"}))
			h.cs.PrependReactor(tt.verb, "secrets", tt.reaction)
			r := h.run(t, "", tt.args...)
			r.fails(t, tt.want)
			for _, w := range tt.also {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not contain %q", r.stderr, w)
				}
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", projsecret.MaxSecretDataBytes-10)
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "BIG", value: big}))
	h.run(t, strings.Repeat("y", 100), "create", "web", "MORE", "--stdin").fails(t,
		`error: project "web", key "MORE": write refused before sending: values total 1048666 bytes, 90 over the API server's limit of 1048576 (room left before this write: 10 bytes of values`)
}

func TestNotAProjectSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.cs.CoreV1().Secrets(ns).Create(t.Context(), seededForeign(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.run(t, "v", "create", "web", "K", "--stdin").fails(t, `error: project "web", key "K": secret team-a/proj-secrets-web exists but is not labeled as a project secret`)
}

func seededForeign() *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("web"), Namespace: ns}}
}

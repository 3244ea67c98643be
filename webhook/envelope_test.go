package webhook

import (
	"strings"
	"testing"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
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

package projsecret

import (
	"context"
	corev1 "k8s.io/api/core/v1"
	"strings"
	"testing"
)

// TestLimitsAtTheEdge: every limit of the contract accepts its own value and
// refuses one more, through the function that owns the rule.
func TestLimitsAtTheEdge(t *testing.T) {
	tests := []struct {
		name  string
		check func(n int) error
		limit int
	}{
		{"project name length", func(n int) error { return ValidateProjectName(strings.Repeat("p", n)) }, MaxProjectNameLength},
		{"key length", func(n int) error { return ValidateKey(strings.Repeat("k", n)) }, MaxKeyLength},
		{"env key length", func(n int) error { return EnvVarKeyRule.Validate(strings.Repeat("K", n)) }, MaxKeyLength},
		// Characters, not bytes: a description of multi-byte runes at the limit passes.
		{"description length", func(n int) error { return ValidateDescription(strings.Repeat("é", n)) }, MaxDescriptionLength},
		{"value bytes", func(n int) error { return Size{DataBytes: n}.Check() }, MaxSecretDataBytes},
		{"annotation bytes", func(n int) error { return Size{AnnotationBytes: n}.Check() }, MaxAnnotationBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check(tt.limit); err != nil {
				t.Errorf("at the limit (%d): %v", tt.limit, err)
			}
			if err := tt.check(tt.limit + 1); err == nil {
				t.Errorf("one past the limit (%d) passed", tt.limit+1)
			}
		})
	}
}

// TestClientValueLimitAtTheEdge: the client sends a Secret whose values
// total exactly the API server's limit, and refuses one byte more before
// sending anything.
func TestClientValueLimitAtTheEdge(t *testing.T) {
	ctx := context.Background()
	c, cs := newTestClient()
	if err := c.Create(ctx, "p", "BIG", make([]byte, MaxSecretDataBytes), MetaChange{}); err != nil {
		t.Fatalf("a value of exactly %d bytes: %v", MaxSecretDataBytes, err)
	}
	cs.ClearActions()
	if err := c.Create(ctx, "p", "ONE", []byte{1}, MetaChange{}); err == nil || !strings.Contains(err.Error(), "refused before sending") {
		t.Fatalf("one byte past the limit: %v, want refused before sending", err)
	}
	if n := countVerb(cs.Actions(), "update") + countVerb(cs.Actions(), "create"); n != 0 {
		t.Fatalf("%d writes sent for a refused write", n)
	}
}

// TestReviewValueLimitAtTheEdge: the webhook's verdict at the edge.
func TestReviewValueLimitAtTheEdge(t *testing.T) {
	at := projectSecret(map[string]string{"BIG": strings.Repeat("v", MaxSecretDataBytes)})
	if _, err := DefaultPolicy.Review(Write{Operation: OpCreate, User: "alice", New: editAuthors(at, "alice")}); err != nil {
		t.Fatalf("values of exactly %d bytes: %v", MaxSecretDataBytes, err)
	}
	over := projectSecret(map[string]string{"BIG": strings.Repeat("v", MaxSecretDataBytes+1)})
	if _, err := DefaultPolicy.Review(Write{Operation: OpCreate, User: "alice", New: editAuthors(over, "alice")}); err == nil {
		t.Fatal("values one byte past the limit were allowed")
	}
}

// editAuthors stamps every entry of s as just created by user, as a CREATE by
// user must.
func editAuthors(s *corev1.Secret, user string) *corev1.Secret {
	e := entriesOf(s)
	now := Now()
	for k, m := range e {
		m.CreatedBy, m.UpdatedBy, m.CreatedAt, m.UpdatedAt = user, user, now, now
		e[k] = m
	}
	setEntries(s, e)
	return s
}

package projsecret

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

// TestLimitsAtTheEdge: every limit of the contract accepts its own value and
// refuses one more, through the function that owns the rule.
func TestLimitsAtTheEdge(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestMessageListsAtTheEdge: the message helpers keep text whole at their
// limit and cut it one past (mutation testing found these edges untested).
func TestMessageListsAtTheEdge(t *testing.T) {
	t.Parallel()
	keys := make([]string, maxListedKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	if got := keyList(keys); strings.Contains(got, "more") || strings.Count(got, ", ") != maxListedKeys-1 {
		t.Errorf("keyList of exactly %d keys = %q, want all of them and no count", maxListedKeys, got)
	}
	if got := keyList(append(keys, "extra")); !strings.HasSuffix(got, " and 1 more") {
		t.Errorf("keyList of %d keys = %q, want the first %d and 1 more", maxListedKeys+1, got, maxListedKeys)
	}
	whole := strings.Repeat("q", maxQuotedBytes)
	if got := clip(whole); got != whole {
		t.Errorf("clip of exactly %d bytes = %q, want it whole", maxQuotedBytes, got)
	}
	if got := clip(whole + "q"); !strings.HasSuffix(got, fmt.Sprintf("... (%d bytes)", maxQuotedBytes+1)) {
		t.Errorf("clip one past the limit = %q, want it cut with its length", got)
	}
	if got := prefix("abc", 3); got != "abc" {
		t.Errorf("prefix(%q, 3) = %q, want it whole", "abc", got)
	}
}

// TestRetriesStopAtSteps: a write that keeps losing makes exactly
// backoff.Steps attempts, no more.
func TestRetriesStopAtSteps(t *testing.T) {
	t.Parallel()
	c := NewClient(nil, "ns", WithRetry(wait.Backoff{Steps: 3, Duration: time.Millisecond, Factor: 1}, time.Minute))
	calls := 0
	attempts, err := c.retryRaces(context.Background(), func() error {
		calls++
		return apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, "s", errors.New("modified"))
	})
	if calls != 3 || attempts != 3 || !apierrors.IsConflict(err) {
		t.Fatalf("%d calls, %d attempts reported, error %v; want exactly 3 and the conflict", calls, attempts, err)
	}
}

package projsecret

import (
	"errors"
	"fmt"
	"testing"
)

// TestAsViolation: a validator's plain error still becomes a violation with
// a rule and a message, where a type assertion would have panicked.
func TestAsViolation(t *testing.T) {
	t.Parallel()
	if v := asViolation(RuleSize, errors.New("plain")); v.Rule != RuleSize || v.Message != "plain" {
		t.Fatalf("plain error gave %+v", v)
	}
	own := violation(RuleKeyNaming, "bad key")
	if v := asViolation(RuleSize, fmt.Errorf("wrapped: %w", own)); v != own {
		t.Fatalf("a wrapped violation lost its rule: %+v", v)
	}
}

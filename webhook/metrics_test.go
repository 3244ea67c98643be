package webhook

import (
	"errors"
	"fmt"
	"testing"

	"github.com/projsecret/projsecret"
)

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

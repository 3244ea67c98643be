package projsecret_test

import (
	"fmt"
	"strings"
	"testing"

	. "github.com/projsecret/projsecret"
)

// TestEnvVarKeysStartWithoutADigit: under the env-var rule a key may not
// start with any digit, the first and last of the range included, while
// the default rule takes the same keys and a digit later on is fine.
func TestEnvVarKeysStartWithoutADigit(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"0_TOKEN", "5_TOKEN", "9_TOKEN"} {
		if err := EnvVarKeyRule.Validate(key); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("key %q is invalid", key)) {
			t.Errorf("env-var rule, key %q: %v, want it refused", key, err)
		}
		if err := DefaultKeyRule.Validate(key); err != nil {
			t.Errorf("default rule, key %q: %v", key, err)
		}
	}
	for _, key := range []string{"TOKEN_0", "TOKEN_9", "_0"} {
		if err := EnvVarKeyRule.Validate(key); err != nil {
			t.Errorf("env-var rule, key %q: %v", key, err)
		}
	}
}

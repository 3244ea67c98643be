package projsecret

import (
	"fmt"
	"maps"
	"slices"
)

// KeyRule decides which entry keys are valid: DefaultKeyRule or
// EnvVarKeyRule. The zero value is not a rule: judging a key with it panics.
type KeyRule int

const (
	// DefaultKeyRule is the DigitalHub-compatible rule: ^[A-Za-z0-9_-]+$, at
	// most MaxKeyLength characters, which is also always a valid Secret data
	// key.
	DefaultKeyRule KeyRule = iota + 1
	// EnvVarKeyRule tightens DefaultKeyRule to POSIX environment-variable
	// names (^[A-Za-z_][A-Za-z0-9_]*$), so every entry can be mounted with
	// envFrom.
	EnvVarKeyRule
)

// keyRuleNames are the names a deployment chooses a rule by. Each rule is
// at least as strict as DefaultKeyRule, so no choice loosens the contract.
var keyRuleNames = map[string]KeyRule{
	"default": DefaultKeyRule,
	"env":     EnvVarKeyRule,
}

// KeyRuleNamed returns the rule a deployment chose by name (see KeyRuleNames).
func KeyRuleNamed(name string) (KeyRule, bool) {
	r, ok := keyRuleNames[name]
	return r, ok
}

// KeyRuleNames lists the names KeyRuleNamed knows, sorted.
func KeyRuleNames() []string { return slices.Sorted(maps.Keys(keyRuleNames)) }

// String describes the rule in the words error messages use.
func (r KeyRule) String() string {
	switch r {
	case DefaultKeyRule:
		return fmt.Sprintf("^[A-Za-z0-9_-]+$, at most %d characters", MaxKeyLength)
	case EnvVarKeyRule:
		return fmt.Sprintf("^[A-Za-z_][A-Za-z0-9_]*$ (a POSIX environment variable name), at most %d characters", MaxKeyLength)
	}
	return ""
}

// Validate reports why key breaks the rule, or nil.
func (r KeyRule) Validate(key string) error {
	if r.valid(key) {
		return nil
	}
	return violation(RuleKeyNaming, "key %s is invalid: expected %s", Quote(key), r)
}

// valid runs the rule's check; a KeyRule that is not one of the rules has
// none, and a policy holding one is a programming error.
func (r KeyRule) valid(key string) bool {
	switch r {
	case DefaultKeyRule:
		return isDefaultKey(key)
	case EnvVarKeyRule:
		return isEnvVarKey(key)
	}
	panic(fmt.Sprintf("projsecret: KeyRule(%d) is not a key rule: expected DefaultKeyRule or EnvVarKeyRule", int(r)))
}

// isEnvVarKey is isDefaultKey without a leading digit or any dash.
func isEnvVarKey(key string) bool {
	if !isDefaultKey(key) || (key[0] >= '0' && key[0] <= '9') {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] == '-' {
			return false
		}
	}
	return true
}

// ValidateKey checks key against DefaultKeyRule.
func ValidateKey(key string) error { return DefaultKeyRule.Validate(key) }

// isDefaultKey is a byte loop rather than a regexp: the webhook runs it for
// every key of every admitted write.
func isDefaultKey(key string) bool {
	if len(key) == 0 || len(key) > MaxKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

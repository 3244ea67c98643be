package projsecret

import "fmt"

// KeyRule decides which entry keys are valid. The zero value is not usable;
// start from DefaultKeyRule and tighten it with EnvVarKeyRule if needed.
type KeyRule struct {
	name  string
	valid func(key string) bool
}

// DefaultKeyRule is the DigitalHub-compatible rule: ^[A-Za-z0-9_-]+$, at most
// MaxKeyLength characters, which is also always a valid Secret data key.
var DefaultKeyRule = KeyRule{
	name:  fmt.Sprintf("^[A-Za-z0-9_-]+$, at most %d characters", MaxKeyLength),
	valid: isDefaultKey,
}

// EnvVarKeyRule tightens DefaultKeyRule to POSIX environment-variable names
// (^[A-Za-z_][A-Za-z0-9_]*$), so every entry can be mounted with envFrom.
var EnvVarKeyRule = KeyRule{
	name: fmt.Sprintf("^[A-Za-z_][A-Za-z0-9_]*$ (a POSIX environment variable name), at most %d characters", MaxKeyLength),
	valid: func(key string) bool {
		if !isDefaultKey(key) || (key[0] >= '0' && key[0] <= '9') {
			return false
		}
		for i := 0; i < len(key); i++ {
			if key[i] == '-' {
				return false
			}
		}
		return true
	},
}

// KeyRules are the rules a deployment may choose from, by name. Each one is
// at least as strict as DefaultKeyRule, so no choice loosens the contract.
var KeyRules = map[string]KeyRule{
	"default": DefaultKeyRule,
	"env":     EnvVarKeyRule,
}

// String describes the rule in the words error messages use.
func (r KeyRule) String() string { return r.name }

// Validate reports why key breaks the rule, or nil.
func (r KeyRule) Validate(key string) error {
	if r.valid(key) {
		return nil
	}
	return violation(RuleKeyNaming, "key %s is invalid: expected %s", Quote(key), r.name)
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

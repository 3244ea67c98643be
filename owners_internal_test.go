package projsecret

import "testing"

// TestParseOwnersMessages pins what ParseOwners says of each malformed
// item, since the form is checked there and the kind and name by
// Subject.Validate (issue 23): an item without a colon or without a name
// is quoted as written, not as the subject it would make ("alice:").
func TestParseOwnersMessages(t *testing.T) {
	const prefix = "annotation " + AnnotationOwners + ": "
	for _, tc := range []struct{ list, want string }{
		{"alice", `owner "alice" is invalid: expected user:NAME or group:NAME`},
		{"user:alice,user", `owner "user" is invalid: expected user:NAME or group:NAME`},
		{"user:", `owner "user:" is invalid: expected user:NAME or group:NAME`},
		{"role:x", `owner "role:x" is invalid: expected user:NAME or group:NAME`},
		{":x", `owner ":x" is invalid: expected user:NAME or group:NAME`},
		{"user: alice", `owner "user: alice" is invalid: the name must be non-empty, without a comma or surrounding spaces`},
	} {
		owners, err := ParseOwners(tc.list)
		if err == nil || err.Error() != prefix+tc.want {
			t.Errorf("ParseOwners(%q) = %v, %v; want the error %q", tc.list, owners, err, prefix+tc.want)
			continue
		}
		if v, ok := err.(*Violation); !ok || v.Rule != RuleOwnership {
			t.Errorf("ParseOwners(%q): error %T %v, want a Violation of %s", tc.list, err, err, RuleOwnership)
		}
	}
}

package projsecret

import (
	"strings"
	"testing"
	"time"
)

func TestValidateProjectName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"demo", true},
		{"a", true},
		{"team-1", true},
		{strings.Repeat("a", MaxProjectNameLength), true},
		{strings.Repeat("a", MaxProjectNameLength+1), false},
		{"", false},
		{"Demo", false},
		{"-demo", false},
		{"demo_1", false},
		{"demo.x", false},
	} {
		if err := ValidateProjectName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidateProjectName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestKeyRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key       string
		defaultOK bool
		envVarOK  bool
	}{
		{"API_TOKEN", true, true},
		{"api-token", true, false},
		{"_private", true, true},
		{"1st", true, false},
		{"a", true, true},
		{strings.Repeat("k", MaxKeyLength), true, true},
		{strings.Repeat("k", MaxKeyLength+1), false, false},
		{"", false, false},
		{"a.b", false, false},
		{"a b", false, false},
		{"ключ", false, false},
		{"a/b", false, false},
	} {
		if err := DefaultKeyRule.Validate(tc.key); (err == nil) != tc.defaultOK {
			t.Errorf("default rule on %q: %v, want ok=%v", tc.key, err, tc.defaultOK)
		}
		if err := EnvVarKeyRule.Validate(tc.key); (err == nil) != tc.envVarOK {
			t.Errorf("env rule on %q: %v, want ok=%v", tc.key, err, tc.envVarOK)
		}
		if tc.envVarOK && !tc.defaultOK {
			t.Errorf("env rule accepts %q which the default rejects: it must only tighten", tc.key)
		}
	}
	if err := ValidateKey("a.b"); err == nil || !strings.Contains(err.Error(), "^[A-Za-z0-9_-]+$") {
		t.Errorf("the error must name the rule: %v", err)
	}
}

func TestParseEntries(t *testing.T) {
	t.Parallel()
	valid := `{"k":{"description":"d","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-02T00:00:00Z","createdBy":"a","updatedBy":"b"}}`
	for _, tc := range []struct {
		name, in, wantErr string
	}{
		{"valid", valid, ""},
		{"empty", "", ""},
		{"empty object", "{}", ""},
		{"not json", "{", "not a JSON object"},
		{"array", "[]", "not a JSON object"},
		{"null", "null", "null"},
		{"unknown field", strings.Replace(valid, `"description"`, `"secret":"x","description"`, 1), "unknown field"},
		{"wrong case", strings.Replace(valid, `"description"`, `"Description"`, 1), "unknown field"},
		{"duplicate field", strings.Replace(valid, `"description":"d"`, `"description":"d","description":"e"`, 1), "duplicate field"},
		{"bad time", strings.Replace(valid, "2026-01-01T00:00:00Z", "yesterday", 1), `createdAt "yesterday" is not a timestamp in RFC 3339, UTC, whole seconds, with Z`},
		{"updated before created", strings.Replace(valid, "2026-01-02", "2025-01-02", 1), "before createdAt"},
		{"no author", strings.Replace(valid, `"createdBy":"a"`, `"createdBy":""`, 1), "createdBy and updatedBy"},
		{"no timestamps", `{"k":{"description":"","createdBy":"a","updatedBy":"a"}}`, "must be set"},
		{"bad label", strings.Replace(valid, `"description":"d"`, `"description":"d","labels":{"a b":"c"}`, 1), "label key"},
		{"long description", strings.Replace(valid, `"d"`, `"`+strings.Repeat("d", MaxDescriptionLength+1)+`"`, 1), "at most 1024"},
		{"too large", `{"k":"` + strings.Repeat("x", MaxAnnotationBytes) + `"}`, "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEntries(tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestEntriesRoundTrip(t *testing.T) {
	t.Parallel()
	in := Entries{"b": {Description: "x", CreatedAt: Timestamp(time.Now()), UpdatedAt: Timestamp(time.Now()), CreatedBy: "u", UpdatedBy: "u"}, "a": {CreatedAt: Timestamp(time.Now()), UpdatedAt: Timestamp(time.Now()), CreatedBy: "u", UpdatedBy: "v", Labels: map[string]string{"l": "1"}}}
	s1, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseEntries(s1)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := out.Encode()
	if s1 != s2 || strings.Index(s1, `"a"`) > strings.Index(s1, `"b"`) {
		t.Fatalf("encoding is not stable and sorted:\n%s\n%s", s1, s2)
	}
}

func TestOwners(t *testing.T) {
	t.Parallel()
	o, err := ParseOwners(" user:alice, group:team-a ,")
	if err != nil || o.String() != "user:alice,group:team-a" {
		t.Fatalf("ParseOwners: %v %v", o, err)
	}
	if !o.Includes("alice", nil) || !o.Includes("bob", []string{"team-a"}) || o.Includes("bob", []string{"team-b"}) || o.Includes("team-a", nil) {
		t.Fatal("Includes matched the wrong subjects")
	}
	for _, bad := range []string{"alice", "role:x", "user:", "user"} {
		if _, err := ParseOwners(bad); err == nil {
			t.Errorf("ParseOwners(%q) accepted", bad)
		}
	}
	// An owner that looks like another: the list is refused whole, and the
	// error names the character escaped.
	for list, want := range map[string]string{
		"user:alice,user:alice\u200b": `annotation projsecret.io/owners: owner "user:alice\u200b" holds the format character U+200B`,
		"user:\u202eecila":            `owner "user:\u202eecila" holds the format character U+202E`,
		"group:te\u00adam":            `owner "group:te\u00adam" holds the format character U+00AD`,
		"user:bob\ufeff, group:x":     `owner "user:bob\ufeff" holds the format character U+FEFF`,
	} {
		owners, err := ParseOwners(list)
		if err == nil || owners != nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseOwners(%q) = %v, %v; want an error containing %s", list, owners, err, want)
			continue
		}
		for _, r := range err.Error() {
			if r == '\u200b' || r == '\u202e' || r == '\u00ad' || r == '\ufeff' {
				t.Errorf("ParseOwners(%q): the error holds %U raw: %s", list, r, err)
			}
		}
	}
}

// TestDescriptionRefusesNUL: NUL is a control character like any other (its
// code point is 0, the first a check for "found" could miss); a description
// holding one is refused, naming it. store's TestCreateRefusesNULDescription
// checks that the client stores nothing.
func TestDescriptionRefusesNUL(t *testing.T) {
	t.Parallel()
	const want = "control character U+0000"
	if err := ValidateDescription("db\x00password"); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("ValidateDescription: %v, want %q", err, want)
	}
}

func TestValidateProjectNameSaysEmpty(t *testing.T) {
	t.Parallel()
	err := ValidateProjectName("")
	if err == nil || !strings.Contains(err.Error(), "project name is empty: expected a DNS-1123 label") {
		t.Errorf("ValidateProjectName(\"\") = %v, want it to say the name is empty", err)
	}
}

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

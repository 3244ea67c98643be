package projsecret

import (
	"strings"
	"testing"
)

func TestQuoteAndPrintable(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 100) // 200 bytes: the cut must not split a rune
	for _, tc := range []struct {
		in, quote, printable string
	}{
		{in: "alice", quote: `"alice"`, printable: "alice"},
		{in: "mal\x1b[2Jlory", quote: `"mal\x1b[2Jlory"`, printable: `mal\x1b[2Jlory`},
		{in: "a\nb\tc", quote: `"a\nb\tc"`, printable: `a\nb\tc`},
		{in: "rtl\u202eevil", quote: `"rtl\u202eevil"`, printable: `rtl\u202eevil`},
		{in: "bad\xffutf8", quote: `"bad\xffutf8"`, printable: `bad\xffutf8`},
		{in: "naïve ünïcode", quote: `"naïve ünïcode"`, printable: "naïve ünïcode"},
		{in: long, quote: `"` + strings.Repeat("é", 32) + `"... (200 bytes)`, printable: long},
		{in: strings.Repeat("\x1b", 70), quote: `"` + strings.Repeat(`\x1b`, 64) + `"... (70 bytes)`, printable: strings.Repeat(`\x1b`, 70)},
	} {
		if got := Quote(tc.in); got != tc.quote {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.quote)
		}
		if got := Printable(tc.in); got != tc.printable {
			t.Errorf("Printable(%q) = %s, want %s", tc.in, got, tc.printable)
		}
	}
}

func TestViolationsErrorIsBounded(t *testing.T) {
	t.Parallel()
	var vs Violations
	for range 1000 {
		vs = append(vs, violation(RuleMetadata, "entry %s is new", Quote(strings.Repeat("k", 200))))
	}
	msg := vs.Error()
	if len(msg) > MaxMessageBytes || !strings.HasSuffix(msg, "more") || !strings.HasPrefix(msg, vs[0].Message+"\n") {
		t.Errorf("%d violations: %d bytes, ending %q", len(vs), len(msg), msg[max(0, len(msg)-40):])
	}
	one := Violations{violation(RuleMetadata, "%s", strings.Repeat("x", 10<<10))}
	if msg := one.Error(); len(msg) > MaxMessageBytes || !strings.HasSuffix(msg, "...") {
		t.Errorf("one 10 KiB violation: %d bytes", len(msg))
	}
	few := Violations{violation(RuleMetadata, "a"), violation(RuleSize, "b")}
	if few.Error() != "a\nb" {
		t.Errorf("short violations changed: %q", few.Error())
	}
}

func TestSubjectValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    Subject
		want string
	}{
		{User("alice"), ""},
		{Subject{Kind: "group", Name: "team a"}, ""},
		{Subject{Kind: "role", Name: "x"}, "expected user:NAME or group:NAME"},
		{Subject{Kind: "user", Name: ""}, "must be non-empty"},
		{Subject{Kind: "user", Name: "a,b"}, "without a comma"},
		{Subject{Kind: "user", Name: " a"}, "surrounding spaces"},
		{Subject{Kind: "user", Name: "a\x07"}, "U+0007"},
	} {
		err := tc.s.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: error %v, want %q", tc.s.String(), err, tc.want)
		}
	}
}

package projsecret

import (
	"fmt"
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
		{User("alice\u200b"), `owner "user:alice\u200b" holds the format character U+200B, which is invisible or reorders text: owner names must be printable`},
		{User("\u202eecila"), "the format character U+202E"},
		{User("bo\u00adb"), "the format character U+00AD"},
		{User("bob\ufeff"), "the format character U+FEFF"},
		{User("a\u2066b"), "the format character U+2066"},     // first strong isolate
		{User("a\U000e0041"), "the format character U+E0041"}, // tag character
		{User("a\u00a0b"), "the non-printable character U+00A0"},
		{User("a\u3000b"), "the non-printable character U+3000"},
		{User("a\u2029b"), "the non-printable character U+2029"},
		{User("a\U000f0000"), "the non-printable character U+F0000"},
		{User("a\xc3"), "the byte 0xC3, which is not UTF-8"},
		{User("a\x9b"), "the byte 0x9B, which is not UTF-8"},
		{User("a\u009b"), "the control character U+009B"},
		{User("zoë"), ""},
		{User("e\u0301mile"), ""}, // a combining mark shows on its letter
		{User("\ufffd"), ""},      // the replacement character shows as itself
		{Subject{Kind: "group", Name: "équipe a"}, ""},
	} {
		err := tc.s.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: error %v, want %q", tc.s.String(), err, tc.want)
		}
	}
}

// TestHiddenCharNamesNoRawCharacter: the description of a hidden character
// never holds the character itself, only its code point or byte value.
func TestHiddenCharNamesNoRawCharacter(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"\u200b", "\u202e", "\u00ad", "\ufeff", "\x1b", "\u00a0", "\xff"} {
		what := hiddenChar("x" + in + "y")
		if what == "" || !isPrintable(what) || strings.Contains(what, in) {
			t.Errorf("hiddenChar(%q) = %q", in, what)
		}
	}
	if what := hiddenChar("plain text, tabs aside"); what != "" {
		t.Errorf("printable text: %q", what)
	}
}

// TestDenialKeepsALineOnlyWithRoomForTheCount: a denial keeps each whole
// line while it leaves room for its newline and the 40 bytes kept for a
// closing "... and N more"; a line one byte longer than that is counted
// instead. (Messages quote keys, owners and labels of any length, so lines
// land at this edge.)
func TestDenialKeepsALineOnlyWithRoomForTheCount(t *testing.T) {
	t.Parallel()
	first := strings.Repeat("a", 1000)
	fits := MaxMessageBytes - len(first) - 1 - 40
	for _, tt := range []struct {
		second int
		want   string
	}{
		{fits, first + "\n" + strings.Repeat("b", fits)},
		{fits + 1, first + "\n... and 1 more"},
	} {
		vs := Violations{{Rule: RuleMetadata, Message: first}, {Rule: RuleMetadata, Message: strings.Repeat("b", tt.second)}}
		if got := vs.Error(); got != tt.want {
			t.Errorf("a %d-byte line after a %d-byte one: got %d bytes ending %q, want %d bytes ending %q",
				tt.second, len(first), len(got), got[max(0, len(got)-16):], len(tt.want), tt.want[max(0, len(tt.want)-16):])
		}
	}
}

// TestQuoteAtItsEdges: Quote keeps a string of exactly 64 bytes whole, cuts
// a longer one at 64 bytes or just before a rune that would be split, and
// never panics, even on bytes that are all UTF-8 continuations (hostile
// keys and owner names reach messages through it).
func TestQuoteAtItsEdges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"exactly 64 bytes", strings.Repeat("k", 64), `"` + strings.Repeat("k", 64) + `"`},
		{"65 bytes", strings.Repeat("k", 65), `"` + strings.Repeat("k", 64) + `"... (65 bytes)`},
		{"a rune across the cut", "a" + strings.Repeat("é", 40), `"a` + strings.Repeat("é", 31) + `"... (81 bytes)`},
		{"only continuation bytes", strings.Repeat("\x80", 70), `""... (70 bytes)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Quote of %d bytes panicked", len(tc.in))
					}
				}()
				got = Quote(tc.in)
			}()
			if got != tc.want {
				t.Errorf("Quote of %d bytes: %d bytes out, want %d", len(tc.in), len(got), len(tc.want))
			}
		})
	}
}

// TestDenialCutsALoneLineAtItsEdge: a single line too long to keep is cut
// to leave 40 bytes for the ellipsis; one that is exactly that long is
// kept whole with the ellipsis, not cut (and nothing panics).
func TestDenialCutsALoneLineAtItsEdge(t *testing.T) {
	t.Parallel()
	for _, n := range []int{MaxMessageBytes - 40, MaxMessageBytes - 39} {
		var got string
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("a lone %d-byte line panicked", n)
				}
			}()
			got = Violations{{Rule: RuleSize, Message: strings.Repeat("x", n)}}.Error()
		}()
		if want := strings.Repeat("x", MaxMessageBytes-40) + "..."; got != want {
			t.Errorf("a lone %d-byte line: %d bytes out, want %d", n, len(got), len(want))
		}
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
	if got := KeyList(keys); strings.Contains(got, "more") || strings.Count(got, ", ") != maxListedKeys-1 {
		t.Errorf("KeyList of exactly %d keys = %q, want all of them and no count", maxListedKeys, got)
	}
	if got := KeyList(append(keys, "extra")); !strings.HasSuffix(got, " and 1 more") {
		t.Errorf("KeyList of %d keys = %q, want the first %d and 1 more", maxListedKeys+1, got, maxListedKeys)
	}
	whole := strings.Repeat("q", maxQuotedBytes)
	if got := Clip(whole); got != whole {
		t.Errorf("Clip of exactly %d bytes = %q, want it whole", maxQuotedBytes, got)
	}
	if got := Clip(whole + "q"); !strings.HasSuffix(got, fmt.Sprintf("... (%d bytes)", maxQuotedBytes+1)) {
		t.Errorf("Clip one past the limit = %q, want it cut with its length", got)
	}
	if got := prefix("abc", 3); got != "abc" {
		t.Errorf("prefix(%q, 3) = %q, want it whole", "abc", got)
	}
}

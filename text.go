package projsecret

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text that comes from a tenant (keys, owners, descriptions, label text,
// user names) reaches terminals, logs and audit records through messages
// and the plugin's output. These helpers are the one place that decides
// how it is shown: escaped, so no control sequence acts on a terminal, and
// bounded, so a 200 KiB owners list makes a 200-byte denial.

const (
	// maxQuotedBytes is the longest user-supplied string a message repeats
	// whole; longer ones are cut.
	maxQuotedBytes = 64
	// MaxMessageBytes bounds a whole denial. The API server prefixes the
	// webhook's message with its own words, and the result must stay
	// under 4 KiB.
	MaxMessageBytes = 3 << 10
)

// Quote is how every message repeats a user-supplied string: in double
// quotes with non-printable characters escaped, as %q does, and, when
// longer than 64 bytes, cut with an ellipsis and its full length:
// "abc..." (70000 bytes).
func Quote(s string) string {
	if len(s) <= maxQuotedBytes {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(prefix(s, maxQuotedBytes)), len(s))
}

// Printable returns s with every non-printable character (control
// characters, newlines and tabs included, bidirectional overrides, invalid
// UTF-8) written as a Go escape, and printable text as it is. The plugin
// shows every tenant-written string through it.
func Printable(s string) string {
	if isPrintable(s) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// Clip is Printable cut to maxQuotedBytes, for text a message embeds
// without quotes (a decoder's error, a list item). It is exported so that
// the client (package store) cuts names in its messages as the contract does.
func Clip(s string) string {
	if len(s) <= maxQuotedBytes {
		return Printable(s)
	}
	return fmt.Sprintf("%s... (%d bytes)", Printable(prefix(s, maxQuotedBytes)), len(s))
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// prefix cuts s to at most n bytes without splitting a UTF-8 sequence.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// hiddenChar names the first character of s that does not show as
// itself, or returns "" when there is none: a control character; a format
// character (Unicode category Cf: zero-width spaces and joiners, direction
// overrides and marks, the soft hyphen, the byte order mark), which shows
// as nothing or reorders the text around it; any other character that
// unicode.IsPrint refuses (spaces other than ' ', line and paragraph
// separators, private-use, surrogate and unassigned code points); or a
// byte that is not UTF-8. The character is named by its code point, never
// written out.
func hiddenChar(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], string(utf8.RuneError)):
			return fmt.Sprintf("the byte 0x%02X, which is not UTF-8", s[i])
		case unicode.IsControl(r):
			return fmt.Sprintf("the control character %U", r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("the format character %U, which is invisible or reorders text", r)
		case !unicode.IsPrint(r):
			return fmt.Sprintf("the non-printable character %U", r)
		}
	}
	return ""
}

// controlChar returns the first control character in s, allowing those in
// allowed, or -1.
func controlChar(s, allowed string) rune {
	for _, r := range s {
		if unicode.IsControl(r) && !strings.ContainsRune(allowed, r) {
			return r
		}
	}
	return -1
}

// capMessage joins lines under MaxMessageBytes: whole lines while they fit,
// then a count of the rest; a first line too long alone is cut.
func capMessage(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		rest := len(lines) - i
		// Room for this line, its newline and a closing "... and N more".
		if b.Len()+len(l)+1+40 > MaxMessageBytes {
			if b.Len() == 0 {
				// A single line too long to keep whole: cut it.
				b.WriteString(prefix(l, MaxMessageBytes-40))
				b.WriteString("...")
				rest--
			}
			if rest > 0 {
				if b.Len() > 0 {
					b.WriteByte('\n')
				}
				fmt.Fprintf(&b, "... and %d more", rest)
			}
			return b.String()
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// maxListedKeys keeps a denial of thousands of keys to a line a person reads.
const maxListedKeys = 10

// KeyList joins keys for a message, naming the first maxListedKeys and
// counting the rest. It is exported so that the client's messages (package
// store) list keys as the contract's do.
func KeyList(keys []string) string {
	if len(keys) <= maxListedKeys {
		return strings.Join(keys, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(keys[:maxListedKeys], ", "), len(keys)-maxListedKeys)
}

// OneLine joins a message of several lines (the webhook reports each
// broken rule on its own line) into one, dropping blank lines and the
// space around each, for front ends that show an error on one line.
func OneLine(message string) string {
	var kept []string
	for _, l := range strings.Split(message, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "; ")
}

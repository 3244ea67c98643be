package entryfile

import (
	"bytes"
	"slices"
	"strings"

	"github.com/projsecret/projsecret"
)

// parseEnv reads KEY=VALUE lines. Blank lines and lines starting with # are
// skipped, and "export " before a key is allowed, as Docker and kubectl do.
// An unquoted value is everything after the first "=", as they do too (a
// trailing CR from a CRLF file aside). A value starting with a quote is
// quoted: single quotes are literal, double quotes know \n \r \t \" \\, and
// either may span lines; a single-quoted value may hold a quote the way sh
// writes one (see parseQuoted). Invalid and duplicate keys are all
// reported; a syntax error stops the parse.
//
// Messages name keys (the text before the "=", which this syntax and
// Docker's define as the key, escaped and cut by projsecret.Quote) but
// never the text of a value or of a line that has no "=": in a file with a
// broken multi-line value, that text is part of a secret.
func parseEnv(data []byte) (map[string][]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	values := map[string][]byte{}
	seen := map[string]int{}
	var keyErrs Errors
	line := 0
	for pos := 0; pos < len(data); {
		line++
		end := lineEnd(data, pos)
		text := strings.TrimRight(string(data[pos:end]), "\r")
		next := end + 1
		start := line

		trimmed := strings.TrimLeft(text, " \t")
		if trimmed == "" || trimmed[0] == '#' {
			pos = next
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			trimmed = strings.TrimLeft(rest, " \t")
		}
		rawKey, rawValue, ok := strings.Cut(trimmed, "=")
		if !ok {
			return nil, errorf(line, "", `expected KEY=VALUE, a comment starting with "#", or a blank line (a multi-line value must be quoted)`)
		}
		key := strings.TrimRight(rawKey, " \t")
		var value []byte
		if rawValue != "" && (rawValue[0] == '"' || rawValue[0] == '\'') {
			// Offset of the opening quote in data: the value is the tail of
			// this line's text.
			open := pos + len(text) - len(rawValue)
			v, after, lines, err := parseQuoted(data, open)
			if err != nil {
				err.Line = start
				if projsecret.ValidateKey(key) == nil {
					err.Key = key
				}
				return nil, err
			}
			line += lines
			end = lineEnd(data, after)
			tail := strings.TrimSpace(string(data[after:end]))
			if tail != "" && tail[0] != '#' {
				return nil, &Error{Line: line, Key: validOrEmpty(key), Msg: `unexpected text after the closing quote: expected the end of the line or a "#" comment`}
			}
			value, next = v, end+1
		} else {
			value = []byte(rawValue)
		}
		pos = next

		if err := projsecret.ValidateKey(key); err != nil {
			keyErrs = append(keyErrs, errorf(start, "", "%v", err))
			continue
		}
		if first, dup := seen[key]; dup {
			keyErrs = append(keyErrs, errorf(start, key, "duplicates the key on line %d", first))
			continue
		}
		seen[key] = start
		values[key] = value
	}
	if len(keyErrs) > 0 {
		return nil, keyErrs
	}
	return values, nil
}

func validOrEmpty(key string) string {
	if projsecret.ValidateKey(key) == nil {
		return key
	}
	return ""
}

// lineEnd is the offset of the newline ending the line at pos, or len(data).
func lineEnd(data []byte, pos int) int {
	if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 {
		return pos + i
	}
	return len(data)
}

// parseQuoted reads the quoted value whose opening quote is at data[open].
// It returns the value, the offset just past the closing quote and how many
// newlines the value spans.
func parseQuoted(data []byte, open int) (value []byte, after, lines int, err *Error) {
	quote := data[open]
	var out []byte
	for i := open + 1; i < len(data); i++ {
		c := data[i]
		switch {
		case quote == '\'' && c == quote && bytes.HasPrefix(data[i+1:], []byte(`\''`)):
			// '\'' inside single quotes: sh's way to put a quote in a
			// single-quoted word (close, an escaped quote, reopen).
			i += 3
		case c == quote:
			return out, i + 1, lines, nil
		case c == '\n':
			lines++
		case c == '\\' && quote == '"':
			if i+1 >= len(data) {
				break
			}
			i++
			switch data[i] {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case '"', '\\':
				c = data[i]
			default:
				return nil, 0, 0, &Error{Msg: `unknown escape in a double-quoted value: expected \n, \r, \t, \" or \\ (use single quotes for a literal backslash)`}
			}
		}
		out = append(out, c)
	}
	return nil, 0, 0, &Error{Msg: "the quoted value that starts on this line is not closed"}
}

// writeEnv writes KEY=VALUE lines, quoting every value that is not plainly
// safe to leave bare, so that parseEnv reads each back unchanged and so
// that sh, bash and zsh, sourcing the file, run nothing from a value and
// set each variable to its value byte for byte: single quotes, in which
// they expand nothing, newlines included. A shell variable cannot hold a
// NUL byte, so a value with one is refused, naming its key.
//
// A key that is not a shell variable name (db-password, 9LIVES) is refused
// too, naming every such key: no line holding its value is safe to source
// (bash answers "export db-password=VALUE" by printing the value in its
// error, into terminals and CI logs), and a block the shell skips (a
// here-document) would be a second syntax that other .env readers lose
// silently. JSON and YAML hold any key.
func writeEnv(buf *bytes.Buffer, keys []string, values map[string][]byte) error {
	for _, k := range keys {
		// Keys outside the contract (a Secret written around it) could
		// contain "=", "#" or spaces and would not read back.
		if err := projsecret.ValidateKey(k); err != nil {
			return errorf(0, "", "%v: it cannot be written as env", err)
		}
		if bytes.IndexByte(values[k], 0) >= 0 {
			return errorf(0, k, "the value contains a NUL byte, which env output (a shell variable) cannot hold: use the json or yaml format")
		}
	}
	if others := slices.DeleteFunc(slices.Clone(keys), isShellName); len(others) > 0 {
		quoted := make([]string, len(others))
		for i, k := range others {
			quoted[i] = projsecret.Quote(k)
		}
		return errorf(0, "", "keys that are not shell variable names cannot be written as env (a shell sourcing the file would print their values in an error): %s; use -o json or -o yaml, or export the other keys by name", strings.Join(quoted, ", "))
	}
	for _, k := range keys {
		buf.WriteString(k)
		buf.WriteByte('=')
		v := values[k]
		if bare(v) {
			buf.Write(v)
		} else {
			// A quote is written as sh writes it in a single-quoted
			// word: '\'' closes, adds an escaped quote, reopens.
			buf.WriteByte('\'')
			buf.Write(bytes.ReplaceAll(v, []byte("'"), []byte(`'\''`)))
			buf.WriteByte('\'')
		}
		buf.WriteByte('\n')
	}
	return nil
}

// isShellName reports whether sh can assign to k: a POSIX name, which is
// what the contract's environment-variable key rule checks.
func isShellName(k string) bool { return projsecret.EnvVarKeyRule.Validate(k) == nil }

// bare reports whether v can be written unquoted and still read back, by
// parseEnv and by sh, bash and zsh (which expand nothing in these
// characters after an assignment's "="), and read by a person without
// doubt: no spaces, quotes, "#", "$" or "~". Nor "=" or ":": zsh expands
// "=ls" to ls's path at the start of an assignment's value and after a
// ":" in it, as it expands "~" after a ":".
func bare(v []byte) bool {
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("_-./@%+,", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Errors are every key problem in one file, reported together so one fix
// covers them all.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

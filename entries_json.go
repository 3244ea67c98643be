package projsecret

import (
	"bytes"
	"reflect"
	"slices"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The entries annotation is read token by token, straight into Entries:
// the webhook reads it twice per UPDATE, and going through rawEntryMeta
// and a second map cost more than the rest of a review. JSON v2's decoder
// refuses invalid UTF-8 and trailing data. Unknown fields and names in the
// wrong case are refused here, as unknown fields, and so are duplicate
// names: the maps being filled and a set of the fields seen find them for
// free, where the decoder's own check keeps a second map of every name of
// a large object.

// entriesOptions decode an *entriesJSON with readEntries.
var entriesOptions = jsonv2.JoinOptions(
	jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(readEntries)),
	jsontext.AllowDuplicateNames(true),
)

// entriesJSON is the annotation as read: the entries, and the first entry
// whose timestamp or expiry did not parse. That error waits until the
// whole text has been read, so that text which is not a JSON object of
// entries, or has unknown or duplicate fields, is reported as such first.
type entriesJSON struct {
	entries Entries
	invalid error
	// text is the annotation being read; shared, when not nil, lets its
	// entries share label maps (see labelSets).
	text   []byte
	shared *labelSets
	// lastAuthor is the createdBy or updatedBy read last (see author).
	lastAuthor string
}

var (
	typeEntries = reflect.TypeFor[Entries]()
	typeEntry   = reflect.TypeFor[rawEntryMeta]()
	typeString  = reflect.TypeFor[string]()
	typeLabels  = reflect.TypeFor[map[string]string]()
)

// readEntries reads a JSON object of entries, or null as nil Entries.
func readEntries(dec *jsontext.Decoder, out *entriesJSON) error {
	if done, err := openObject(dec, typeEntries); done || err != nil {
		return err
	}
	// A capacity hint, so the map is not rebuilt as it grows: every entry
	// the plugin writes names its creator, and a description that holds
	// the name too only makes the map larger than it needs.
	entries := make(Entries, bytes.Count(export(dec), []byte(`"createdBy"`)))
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := tok.String()
		if _, dup := entries[key]; dup {
			return duplicate(dec)
		}
		var m EntryMeta
		if err := readEntry(dec, key, &m, out); err != nil {
			return err
		}
		entries[key] = m
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	out.entries = entries
	return nil
}

// openObject reads the start of an object. done is true when there is
// nothing more to read: the value was null, or the input ended (which
// ReadToken reports as its error), or it is not an object (the error says
// what it is instead).
func openObject(dec *jsontext.Decoder, t reflect.Type) (done bool, err error) {
	switch k := dec.PeekKind(); k {
	case 'n', 0:
		_, err := dec.ReadToken()
		return true, err
	case '{':
		_, err := dec.ReadToken()
		return false, err
	default:
		return true, wrongKind(dec, k, t)
	}
}

// export is what the decoder has not read yet, which is the rest of the
// annotation: Unmarshal decodes from the whole input at once.
func export(dec *jsontext.Decoder) []byte { return dec.UnreadBuffer() }

// readEntry reads one entry's metadata; null is an entry with nothing set,
// which ValidateEntryMeta refuses. Timestamps must be in timestampLayout.
func readEntry(dec *jsontext.Decoder, key string, m *EntryMeta, out *entriesJSON) error {
	if done, err := openObject(dec, typeEntry); done || err != nil {
		return err
	}
	var seen [len(entryFields)]bool
	for dec.PeekKind() != '}' {
		name, err := readName(dec)
		if err != nil {
			return err
		}
		if i := slices.Index(entryFields[:], string(name)); i >= 0 {
			if seen[i] {
				return duplicate(dec)
			}
			seen[i] = true
		}
		switch string(name) {
		case "labels":
			if out.shared != nil {
				err = out.shared.read(dec, out.text, &m.Labels)
			} else {
				err = readLabels(dec, &m.Labels)
			}
		case "description":
			m.Description, err = readString(dec)
		case "createdBy":
			m.CreatedBy, err = out.author(dec)
		case "updatedBy":
			m.UpdatedBy, err = out.author(dec)
		case "createdAt", "updatedAt", "expiresAt", "rotateEvery":
			var bad error
			if bad, err = readTime(dec, key, string(name), m); out.invalid == nil {
				out.invalid = bad
			}
		default:
			// The decoder's position is after the name: its pointer ends
			// in it.
			return &jsonv2.SemanticError{JSONPointer: dec.StackPointer(), GoType: typeEntry, Err: jsonv2.ErrUnknownName}
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// readName reads an object member's name, unquoted. The bytes are the
// decoder's, valid until it reads on.
func readName(dec *jsontext.Decoder) ([]byte, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], nil
	}
	return jsontext.AppendUnquote(nil, v)
}

// readString reads a string; null reads as "", as it does into a Go
// string.
func readString(dec *jsontext.Decoder) (string, error) {
	switch k := dec.PeekKind(); k {
	case '"':
	case 'n':
		_, err := dec.ReadToken()
		return "", err
	case 0:
		_, err := dec.ReadToken()
		return "", err
	default:
		return "", wrongKind(dec, k, typeString)
	}
	tok, err := dec.ReadToken()
	return tok.String(), err
}

// readLabels reads an entry's labels; null leaves them nil. labels is
// always nil here: each entry starts empty and a second "labels" is refused
// as a duplicate before it is read.
func readLabels(dec *jsontext.Decoder, labels *map[string]string) error {
	if done, err := openObject(dec, typeLabels); done || err != nil {
		return err
	}
	if *labels == nil {
		*labels = map[string]string{}
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		k := tok.String()
		if _, dup := (*labels)[k]; dup {
			return duplicate(dec)
		}
		v, err := readString(dec)
		if err != nil {
			return err
		}
		(*labels)[k] = v
	}
	_, err := dec.ReadToken()
	return err
}

// author reads createdBy or updatedBy. A project has few authors, so the
// string read last is reused when the next one is the same, rather than
// allocated again for every entry.
func (out *entriesJSON) author(dec *jsontext.Decoder) (string, error) {
	if dec.PeekKind() != '"' {
		return readString(dec)
	}
	name, err := readName(dec)
	if err != nil {
		return "", err
	}
	if string(name) != out.lastAuthor {
		out.lastAuthor = string(name)
	}
	return out.lastAuthor, nil
}

// labelSets lets the entries of one review share their label maps: the
// entries of a project mostly carry one of a few label sets, and a map per
// entry was the largest allocation of a review. An entry shares a map only
// when its labels are the very text that was decoded into that map, so
// sharing never changes what is read. The maps must then never be written,
// which is why only Policy.Review, which only reads them, asks for it;
// ParseEntries gives every entry its own map, for callers that edit them.
type labelSets struct {
	text [maxLabelSets][]byte
	maps [maxLabelSets]map[string]string
	next int
}

// maxLabelSets bounds the work per entry: each is one prefix comparison,
// which stops within the entry's own labels (a JSON object cannot be the
// prefix of another), so a review's cost stays linear in its size.
const maxLabelSets = 8

// read is readLabels for an annotation text being decoded whole by
// Unmarshal, whose offsets are positions in text.
func (l *labelSets) read(dec *jsontext.Decoder, text []byte, labels *map[string]string) error {
	if dec.PeekKind() != '{' {
		return readLabels(dec, labels)
	}
	// Between the name just read and the object there is only whitespace
	// and the colon.
	start := int(dec.InputOffset())
	start += bytes.IndexByte(text[start:], '{')
	for i, t := range l.text {
		if t != nil && bytes.HasPrefix(text[start:], t) {
			*labels = l.maps[i]
			return dec.SkipValue()
		}
	}
	if err := readLabels(dec, labels); err != nil {
		return err
	}
	l.text[l.next], l.maps[l.next] = text[start:dec.InputOffset()], *labels
	l.next = (l.next + 1) % maxLabelSets
	return nil
}

// readTime reads createdAt and updatedAt (where "" or null is unset, which
// ValidateEntryMeta reports) and expiresAt and rotateEvery (where null is
// unset and "" is refused). A value that does not parse is returned as
// invalid; err is for text that cannot be read.
func readTime(dec *jsontext.Decoder, key, name string, m *EntryMeta) (invalid, err error) {
	optional := name == "expiresAt" || name == "rotateEvery"
	if optional && dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	var s string
	if dec.PeekKind() == '"' && name != "rotateEvery" {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if t, ok := fastTimestamp(v); ok {
			switch name {
			case "createdAt":
				m.CreatedAt = t
			case "updatedAt":
				m.UpdatedAt = t
			default:
				m.ExpiresAt = t
			}
			return nil, nil
		}
		b, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			return nil, err
		}
		s = string(b)
	} else if s, err = readString(dec); err != nil {
		return nil, err
	}
	switch name {
	case "createdAt":
		m.CreatedAt, err = parseTimestamp(key, name, s)
	case "updatedAt":
		m.UpdatedAt, err = parseTimestamp(key, name, s)
	case "expiresAt":
		if m.ExpiresAt, err = ParseExpiresAt(s); err != nil {
			err = violation(RuleMetadata, "annotation %s: entry %s: %v", AnnotationEntries, Quote(key), err)
		}
	case "rotateEvery":
		if m.RotateEvery, err = ParseRotateEvery(s); err != nil || m.RotateEvery == 0 {
			if err == nil {
				err = violation(RuleMetadata, "rotateEvery is 0: leave it out instead")
			}
			err = violation(RuleMetadata, "annotation %s: entry %s: %v", AnnotationEntries, Quote(key), err)
		}
	}
	return err, nil
}

// fastTimestamp reads v, a JSON string, as time.Parse(timestampLayout)
// would, without making a string of it: a review reads four timestamps
// per entry. It refuses whatever it is unsure of, which the caller then
// hands to time.Parse, for its answer and its message.
func fastTimestamp(v jsontext.Value) (time.Time, bool) {
	if len(v) != len(timestampLayout)+2 {
		return time.Time{}, false
	}
	b := v[1 : len(v)-1]
	for i, c := range []byte(timestampLayout) {
		if c >= '0' && c <= '9' {
			if b[i] < '0' || b[i] > '9' {
				return time.Time{}, false
			}
		} else if b[i] != c {
			return time.Time{}, false
		}
	}
	num := func(i, n int) int {
		x := 0
		for _, c := range b[i : i+n] {
			x = x*10 + int(c-'0')
		}
		return x
	}
	year, month, day, hour, minute, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	// time.Date normalizes what time.Parse refuses (February 30, hour
	// 24): a field that moved was out of range.
	if t.Year() != year || int(t.Month()) != month || t.Day() != day || t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return time.Time{}, false
	}
	return t, true
}

// entryFields are the fields of an entry, as the annotation spells them.
var entryFields = [...]string{"description", "labels", "createdAt", "updatedAt", "createdBy", "updatedBy", "expiresAt", "rotateEvery"}

// duplicate is the error for the name just read, which was read before in
// the same object: the decoder's own error for it.
func duplicate(dec *jsontext.Decoder) error {
	return &jsontext.SyntacticError{ByteOffset: dec.InputOffset(), JSONPointer: dec.StackPointer(), Err: jsontext.ErrDuplicateName}
}

// wrongKind is the error for a value of kind k where t was expected, at
// the value the decoder is about to read.
func wrongKind(dec *jsontext.Decoder, k jsontext.Kind, t reflect.Type) error {
	return &jsonv2.SemanticError{JSONPointer: dec.StackPointer(), JSONKind: k, GoType: t}
}

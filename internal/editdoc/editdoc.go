// Package editdoc is the document `kubectl projsecret edit` opens in an
// editor: rendering a project's entries as YAML, reading the edited
// document back with every problem it has, and what the edit changes. It
// is pure (no client, no editor, no terminal), so each part is tested on
// its own; plugin/edit.go runs the editor and writes the changes.
package editdoc

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	yaml "go.yaml.in/yaml/v3"
)

// Entry is one entry as the document shows it. A value that is not valid
// UTF-8 is Binary: the document shows a placeholder and keeps the value.
type Entry struct {
	Value       []byte
	Binary      bool
	Description string
	Labels      map[string]string
}

// Header is the comment block on top of the document.
func Header(project string) string {
	return fmt.Sprintf(`# Edit the entries of project %q. Change values, descriptions and labels,
# add entries or remove them; every change is written when you save and quit.
# Lines starting with '#' are ignored; an empty file cancels the edit.
`, project)
}

// binaryPlaceholder stands for a value the document cannot show.
func binaryPlaceholder(n int) string {
	return fmt.Sprintf("<%d bytes, not valid UTF-8: kept as it is; use set --from-file to change it>", n)
}

// Render writes the document: a mapping from key to value, description
// and labels, every string double-quoted so that nothing is reinterpreted.
func Render(entries map[string]Entry) ([]byte, error) {
	str := func(s string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
	}
	key := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		e := entries[k]
		m := &yaml.Node{Kind: yaml.MappingNode}
		if e.Binary {
			m.Content = append(m.Content, key("binaryValue"), str(binaryPlaceholder(len(e.Value))))
		} else {
			m.Content = append(m.Content, key("value"), str(string(e.Value)))
		}
		m.Content = append(m.Content, key("description"), str(e.Description))
		if len(e.Labels) > 0 {
			l := &yaml.Node{Kind: yaml.MappingNode}
			for _, lk := range slices.Sorted(maps.Keys(e.Labels)) {
				l.Content = append(l.Content, key(lk), str(e.Labels[lk]))
			}
			m.Content = append(m.Content, key("labels"), l)
		}
		root.Content = append(root.Content, key(k), m)
	}
	if len(root.Content) == 0 {
		root.Style = yaml.FlowStyle
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("rendering the entries for the editor: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rendering the entries for the editor: %w", err)
	}
	return buf.Bytes(), nil
}

// StripLeadingComments drops the comment block on top, so a reopened
// document carries only the latest errors.
func StripLeadingComments(b []byte) []byte {
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			break
		}
		b = rest
	}
	return b
}

// IsEmpty tells a saved file that holds nothing but comments and blank
// lines: the user's way to cancel.
func IsEmpty(b []byte) bool {
	for _, line := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// Changes are what a saved document changes.
type Changes struct {
	Create, Update map[string]Entry
	Remove         []string
}

// Empty is an edit that changes nothing.
func (c Changes) Empty() bool {
	return len(c.Create) == 0 && len(c.Update) == 0 && len(c.Remove) == 0
}

// Plan compares the document as opened with the document as saved.
func Plan(original, desired map[string]Entry) Changes {
	c := Changes{Create: map[string]Entry{}, Update: map[string]Entry{}}
	for k, d := range desired {
		o, ok := original[k]
		switch {
		case !ok:
			c.Create[k] = d
		case !Same(o, d):
			c.Update[k] = d
		}
	}
	for k := range original {
		if _, ok := desired[k]; !ok {
			c.Remove = append(c.Remove, k)
		}
	}
	slices.Sort(c.Remove)
	return c
}

// Same: the same value, description and labels.
func Same(a, b Entry) bool {
	return bytes.Equal(a.Value, b.Value) && a.Description == b.Description && maps.Equal(a.Labels, b.Labels)
}

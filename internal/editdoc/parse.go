package editdoc

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"

	"github.com/projsecret/projsecret"
)

// Parse reads the edited document against the entries it was opened with
// (a binary value's placeholder stands for the original's value), and
// reports every problem found, each with its line.
func Parse(data []byte, original map[string]Entry) (map[string]Entry, []string) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, []string{fmt.Sprintf("invalid YAML: %v", err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, []string{fmt.Sprintf("line %d: expected a mapping from each key to its value, description and labels", root.Line)}
	}
	p := &parser{original: original}
	out := map[string]Entry{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := root.Content[i], root.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			p.fail(kn.Line, "expected a key")
			continue
		}
		key := kn.Value
		if err := projsecret.ValidateKey(key); err != nil {
			p.fail(kn.Line, "%v", err)
			continue
		}
		if _, dup := out[key]; dup {
			p.fail(kn.Line, "key %q appears twice", key)
			continue
		}
		if vn.Kind != yaml.MappingNode {
			p.fail(vn.Line, "key %q: expected value, description and labels under it", key)
			continue
		}
		out[key] = p.entry(key, kn, vn)
	}
	return out, p.errs
}

// parser collects the problems of one document.
type parser struct {
	original map[string]Entry
	errs     []string
}

func (p *parser) fail(line int, format string, args ...any) {
	p.errs = append(p.errs, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
}

// entry reads one key's mapping of value (or binaryValue), description and
// labels.
func (p *parser) entry(key string, kn, vn *yaml.Node) Entry {
	var e Entry
	var hasValue, hasBinary bool
	seen := map[string]bool{}
	for j := 0; j+1 < len(vn.Content); j += 2 {
		fk, fv := vn.Content[j], vn.Content[j+1]
		if seen[fk.Value] {
			p.fail(fk.Line, "key %q: %s appears twice", key, fk.Value)
			continue
		}
		seen[fk.Value] = true
		switch fk.Value {
		case "value":
			s, ok := scalar(fv)
			if !ok {
				p.fail(fv.Line, `key %q: value must be a string (quote it; "" for empty)`, key)
				continue
			}
			e.Value, hasValue = []byte(s), true
		case "binaryValue":
			orig, ok := p.original[key]
			if s, _ := scalar(fv); !ok || !orig.Binary || s != binaryPlaceholder(len(orig.Value)) {
				p.fail(fv.Line, "key %q: binaryValue is a placeholder for a value that is not valid UTF-8 and cannot be edited: leave it, or replace it with value", key)
				continue
			}
			e.Value, e.Binary, hasBinary = orig.Value, true, true
		case "description":
			s, ok := scalar(fv)
			if !ok {
				p.fail(fv.Line, "key %q: description must be a string", key)
				continue
			}
			if err := projsecret.ValidateDescription(s); err != nil {
				p.fail(fv.Line, "key %q: %v", key, err)
				continue
			}
			e.Description = s
		case "labels":
			e.Labels = p.labels(key, fv)
		default:
			p.fail(fk.Line, "key %q: unknown field %q: expected value, description or labels", key, fk.Value)
		}
	}
	switch {
	case hasValue && hasBinary:
		p.fail(kn.Line, "key %q: expected value or binaryValue, not both", key)
	case !hasValue && !hasBinary:
		p.fail(kn.Line, "key %q: value is missing", key)
	}
	return e
}

// labels reads a labels mapping; null is no labels.
func (p *parser) labels(key string, fv *yaml.Node) map[string]string {
	if fv.Kind == yaml.ScalarNode && fv.Tag == "!!null" {
		return nil
	}
	if fv.Kind != yaml.MappingNode {
		p.fail(fv.Line, "key %q: labels must be a mapping of label keys to values", key)
		return nil
	}
	var labels map[string]string
	for l := 0; l+1 < len(fv.Content); l += 2 {
		lk, _ := scalar(fv.Content[l])
		lv, ok := scalar(fv.Content[l+1])
		if !ok {
			p.fail(fv.Content[l].Line, "key %q: label %q must have a string value", key, lk)
			continue
		}
		if err := projsecret.ValidateLabel(lk, lv); err != nil {
			p.fail(fv.Content[l].Line, "key %q: %v", key, err)
			continue
		}
		if _, dup := labels[lk]; dup {
			p.fail(fv.Content[l].Line, "key %q: label %q appears twice", key, lk)
			continue
		}
		if labels == nil {
			labels = map[string]string{}
		}
		labels[lk] = lv
	}
	return labels
}

// scalar is a node's text when it is a scalar other than null: in the
// editor, "8080" or "true" mean the text typed.
func scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

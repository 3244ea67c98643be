package entryfile

import (
	"bytes"
	"errors"
	"io"

	"github.com/projsecret/projsecret"
	yaml "go.yaml.in/yaml/v3"
)

// parseYAML reads one mapping of string values from the node tree, so that
// duplicate keys, aliases and non-string scalars are seen and placed on
// their line rather than resolved away.
func parseYAML(data []byte) (map[string][]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errorf(0, "", "the document is empty: expected one mapping of string values")
		}
		return nil, errorf(0, "", "invalid YAML: %v", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errorf(extra.Line, "", "a second YAML document: expected one mapping of string values")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, errorf(root.Line, "", "expected one mapping of string values")
	}
	values := map[string][]byte{}
	seen := map[string]int{}
	var keyErrs Errors
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			keyErrs = append(keyErrs, errorf(k.Line, "", "expected a plain key (no merge keys, aliases or complex keys)"))
			continue
		}
		key := k.Value
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			keyErrs = append(keyErrs, errorf(k.Line, key, "the value is not a string: quote it (aliases, null, numbers, booleans, lists and maps are refused)"))
			continue
		}
		if err := projsecret.ValidateKey(key); err != nil {
			keyErrs = append(keyErrs, errorf(k.Line, "", "%v", err))
			continue
		}
		if first, dup := seen[key]; dup {
			keyErrs = append(keyErrs, errorf(k.Line, key, "duplicates the key on line %d", first))
			continue
		}
		seen[key] = k.Line
		values[key] = []byte(v.Value)
	}
	if len(keyErrs) > 0 {
		return nil, keyErrs
	}
	return values, nil
}

// writeYAML writes a block mapping of double-quoted strings: quoting every
// value keeps "no", "1.0" or "null" strings, and spaces at either end,
// exactly as they are.
func writeYAML(buf *bytes.Buffer, keys []string, values map[string][]byte) error {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range keys {
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}
		if projsecret.ValidateKey(k) != nil {
			// yaml.v3 writes a plain key with tabs and line breaks that it
			// cannot read back (the fuzzer found one); a key outside the
			// contract is quoted, so that reading it names the key.
			key.Style = yaml.DoubleQuotedStyle
		}
		root.Content = append(root.Content, key,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(values[k]), Style: yaml.DoubleQuotedStyle})
	}
	// No style or indentation is set: yaml.v3 writes an empty mapping as
	// {} in either style, and nothing in a flat mapping of quoted scalars
	// is indented (TestWriteYAMLExactly).
	enc := yaml.NewEncoder(buf)
	if err := enc.Encode(root); err != nil {
		return err
	}
	return enc.Close()
}

package plugin

// This file reads the KEY=VALUE sets that diff -f compares a project
// against. TODO(merge): the import command (issue 10) brings the shared
// env/json/yaml parser; swap readValuesFile for it and delete this file.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/projsecret/projsecret"
	"sigs.k8s.io/yaml"
)

// fileFormats are diff -f's --format choices.
var fileFormats = []string{"env", "json", "yaml"}

// formatOf picks the format from the file's extension when --format is
// not given.
func formatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".env":
		return "env", nil
	case ".json":
		return "json", nil
	case ".yaml", ".yml":
		return "yaml", nil
	}
	if filepath.Base(path) == ".env" {
		return "env", nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its name: expected --format env, json or yaml", path)
}

// readValuesFile reads a file of keys and values. Errors name the file and
// a line or key, never a value.
func readValuesFile(path, format string) (map[string][]byte, error) {
	raw, err := readFileLimited(path)
	if err != nil {
		return nil, err
	}
	var values map[string][]byte
	switch format {
	case "env":
		values, err = parseEnv(raw)
	case "json":
		values, err = parseJSONObject(raw)
	case "yaml":
		var js []byte
		if js, err = yaml.YAMLToJSON(raw); err == nil {
			values, err = parseJSONObject(js)
		}
	default:
		err = fmt.Errorf("unknown format %q: expected one of %s", format, strings.Join(fileFormats, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s as %s: %w", path, format, err)
	}
	return values, nil
}

// maxValuesFile is what a project Secret can hold plus generous room for
// the syntax around the values (quotes, escapes, keys).
const maxValuesFile = 4 * projsecret.MaxSecretDataBytes

// readFileLimited reads the file, refusing one larger than maxValuesFile
// so a wrong path cannot exhaust memory.
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxValuesFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(raw) > maxValuesFile {
		return nil, fmt.Errorf("%s is larger than %d bytes, far more than a project secret can hold", path, maxValuesFile)
	}
	return raw, nil
}

// parseEnv reads KEY=VALUE lines. Blank lines and lines starting with #
// are skipped, an "export " prefix is allowed, and a value wrapped in
// matching single or double quotes loses them; nothing else is unescaped.
func parseEnv(raw []byte) (map[string][]byte, error) {
	values := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64<<10), 2<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		text = strings.TrimPrefix(text, "export ")
		key, value, ok := strings.Cut(text, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, fmt.Errorf("line %d: expected KEY=VALUE", line)
		}
		if _, dup := values[key]; dup {
			return nil, fmt.Errorf("line %d: key %q is given twice", line, key)
		}
		if n := len(value); n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n-1] == value[0] {
			value = value[1 : n-1]
		}
		values[key] = []byte(value)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return values, nil
}

// parseJSONObject reads one JSON object of string values. A syntax error
// is reported by its offset: encoding/json's message quotes the text.
func parseJSONObject(raw []byte) (map[string][]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("not valid JSON at byte %d", syntax.Offset)
		}
		return nil, errors.New("expected one object of keys to string values")
	}
	if obj == nil {
		return nil, errors.New("expected one object of keys to string values, not null")
	}
	values := make(map[string][]byte, len(obj))
	for k, v := range obj {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("key %q: expected a string value (quote it)", k)
		}
		values[k] = []byte(s)
	}
	return values, nil
}

package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/projsecret/projsecret"
)

// formValue is the value from the uploaded file if one was chosen, else
// from the text field. Browsers send a text area's line breaks as CRLF
// whatever was typed; they are stored as LF. A file is stored byte for byte.
func formValue(r *http.Request) ([]byte, error) {
	if r.MultipartForm != nil {
		if files := r.MultipartForm.File["file"]; len(files) > 0 && files[0].Filename != "" {
			f, err := files[0].Open()
			if err != nil {
				return nil, fmt.Errorf("reading the uploaded file: %w", err)
			}
			defer f.Close()
			b, err := io.ReadAll(f)
			if err != nil {
				return nil, fmt.Errorf("reading the uploaded file: %w", err)
			}
			return b, nil
		}
	}
	if !r.Form.Has("value") {
		return nil, errors.New("no value: type or paste one, or choose a file")
	}
	return []byte(strings.ReplaceAll(r.FormValue("value"), "\r\n", "\n")), nil
}

// labelChange reads KEY=VALUE lines (or commas) and returns the labels to
// set and, of those in before, the ones no longer listed.
func labelChange(before, after string) (map[string]string, []string, error) {
	old, err := parseLabels(before)
	if err != nil {
		return nil, nil, err
	}
	set, err := parseLabels(after)
	if err != nil {
		return nil, nil, err
	}
	var remove []string
	for k := range old {
		if _, ok := set[k]; !ok {
			remove = append(remove, k)
		}
	}
	slices.Sort(remove)
	return set, remove, nil
}

func parseLabels(text string) (map[string]string, error) {
	var set map[string]string
	for _, item := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok {
			return nil, fmt.Errorf("label %q is invalid: expected KEY=VALUE, one per line", item)
		}
		if err := projsecret.ValidateLabel(k, v); err != nil {
			return nil, err
		}
		if set == nil {
			set = map[string]string{}
		}
		set[k] = v
	}
	return set, nil
}

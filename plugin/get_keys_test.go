package plugin

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestGetSeveralKeysInEveryFormat: with two keys named, every structured
// output prints a List of exactly those entries, in the order given, and
// never a value.
func TestGetSeveralKeysInEveryFormat(t *testing.T) {
	t.Parallel()
	keys := []string{"get", "web", "DB_PASSWORD", "API_KEY"}
	decodeList := func(unmarshal func([]byte, any) error) func(t *testing.T, out string) {
		return func(t *testing.T, out string) {
			var list listOut
			if err := unmarshal([]byte(out), &list); err != nil {
				t.Fatalf("not a list: %v\n%s", err, out)
			}
			if list.Kind != "List" || len(list.Items) != 2 || list.Items[0].Metadata.Name != "DB_PASSWORD" || list.Items[1].Metadata.Name != "API_KEY" {
				t.Fatalf("want a List of DB_PASSWORD then API_KEY, got %s with %d items:\n%s", list.Kind, len(list.Items), out)
			}
			if list.Items[0].Size != 7 || list.Items[1].Description != "for the CI" {
				t.Fatalf("items lost their metadata:\n%s", out)
			}
		}
	}
	exact := func(want string) func(t *testing.T, out string) {
		return func(t *testing.T, out string) {
			if out != want {
				t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
			}
		}
	}
	tests := []struct {
		output string
		check  func(t *testing.T, out string)
	}{
		{"json", decodeList(json.Unmarshal)},
		{"yaml", decodeList(func(b []byte, v any) error { return yaml.Unmarshal(b, v) })},
		{"name", exact("entry.projsecret.io/DB_PASSWORD\nentry.projsecret.io/API_KEY\n")},
		{"jsonpath={.items[*].metadata.name}", exact("DB_PASSWORD API_KEY")},
		{"go-template={{range .items}}{{.metadata.name}}={{.size}};{{end}}", exact("DB_PASSWORD=7;API_KEY=1;")},
		{"custom-columns=KEY:metadata.name,SIZE:{size}", exact("KEY           SIZE\nDB_PASSWORD   7\nAPI_KEY       1\n")},
		{"wide", func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[1], "DB_PASSWORD") || !strings.HasPrefix(lines[2], "API_KEY") {
				t.Fatalf("wide table:\n%s", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.output, func(t *testing.T) {
			r := getHarness(t).run(t, "", append(keys, "-o", tt.output)...).ok(t)
			tt.check(t, r.stdout)
			if strings.Contains(r.stdout, "hunter2") {
				t.Fatal("a value is in the output")
			}
		})
	}
}

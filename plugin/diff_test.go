package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	envFile := write("dev.env", "# dev\nexport A="+valA+"\n\nB=\""+valB+"\"\n")
	jsonFile := write("x.json", `{"A": "`+valA+`", "B": "`+valB2+`", "D": "`+valOnly+`"}`)
	yamlFile := write("x.yaml", "A: "+valA+"\n")
	badJSON := write("bad.json", `{"A": 5}`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"projects differ", []string{"diff", "dev", "--to", "staging"}, 1, "- A\n~ B\n+ C\n", ""},
		{"--all", []string{"diff", "dev", "--to", "staging", "--all"}, 1, "- A\n~ B\n+ C\n", ""},
		{"across namespaces", []string{"diff", "dev", "--to", "dev", "--to-namespace", "prod"}, 1, "- A\n- B\n", ""},
		{"env file equal", []string{"diff", "dev", "-f", envFile}, 0, "", ""},
		{"env file equal --all", []string{"diff", "dev", "-f", envFile, "--all"}, 0, "= A\n= B\n", ""},
		{"json file", []string{"diff", "dev", "-f", jsonFile, "-o", "json"}, 1,
			"[\n    {\n        \"key\": \"B\",\n        \"change\": \"changed\"\n    },\n    {\n        \"key\": \"D\",\n        \"change\": \"added\"\n    }\n]\n", ""},
		{"yaml file", []string{"diff", "dev", "-f", yamlFile, "-o", "yaml"}, 1, "- change: removed\n  key: B\n", ""},
		{"format overrides extension", []string{"diff", "dev", "-f", yamlFile, "--format", "env"}, 2, "", "line 1: expected KEY=VALUE"},
		{"non-string value", []string{"diff", "dev", "-f", badJSON}, 2, "", `key "A": the value is not a string`},
		{"missing project", []string{"diff", "nope", "--to", "dev"}, 2, "", `project "nope": not found`},
		{"usage error", []string{"diff", "dev"}, 2, "", "expected exactly one of --to OTHER or -f FILE"},
		{"unknown flag", []string{"diff", "dev", "--bogus"}, 2, "", "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := crossHarness(t).run(t, "", tt.args...)
			noValues(t, r)
			if r.code != tt.code || r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q", r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderr)
			}
			if tt.code == 2 && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("an error is not one line: %q", r.stderr)
			}
		})
	}
}

func TestDiffValuesJSONShape(t *testing.T) {
	t.Parallel()
	out, err := json.Marshal(diffValues(map[string][]byte{"a": []byte("1")}, map[string][]byte{"b": []byte("1")}))
	if err != nil || string(out) != `[{"key":"a","change":"removed"},{"key":"b","change":"added"}]` {
		t.Errorf("%s, %v", out, err)
	}
}

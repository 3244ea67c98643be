package plugin

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func getHarness(t *testing.T) *harness {
	return newHarness(t, seeded(t, ns, "web",
		seedEntry{key: "DB_PASSWORD", value: "hunter2", description: "primary database", labels: map[string]string{"env": "prod", "tier": "db"}},
		seedEntry{key: "API_KEY", value: "k", description: "for the CI"}))
}

func TestGetFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{
			name: "table",
			args: []string{"get", "web"},
			want: `KEY           DESCRIPTION        LABELS             SIZE   UPDATED   UPDATED-BY   EXPIRES
API_KEY       for the CI         <none>             1      90m       bob          <none>
DB_PASSWORD   primary database   env=prod,tier=db   7      90m       bob          <none>
`,
		},
		{
			name: "table of chosen keys, in the order given",
			args: []string{"get", "web", "DB_PASSWORD", "API_KEY", "--no-headers"},
			want: `DB_PASSWORD   primary database   env=prod,tier=db   7     90m   bob   <none>
API_KEY       for the CI         <none>             1     90m   bob   <none>
`,
		},
		{
			name: "wide",
			args: []string{"get", "web", "API_KEY", "-o", "wide"},
			want: `KEY       DESCRIPTION   LABELS   SIZE   UPDATED   UPDATED-BY   EXPIRES   CREATED   CREATED-BY
API_KEY   for the CI    <none>   1      90m       bob          <none>    2d2h      carol
`,
		},
		{
			name: "name",
			args: []string{"get", "web", "-o", "name"},
			want: "entry.projsecret.io/API_KEY\nentry.projsecret.io/DB_PASSWORD\n",
		},
		{
			name: "jsonpath over a list",
			args: []string{"get", "web", "-o", "jsonpath={range .items[*]}{.metadata.name}={.size}{\"\\n\"}{end}"},
			want: "API_KEY=1\nDB_PASSWORD=7\n",
		},
		{
			name: "jsonpath over one entry",
			args: []string{"get", "web", "DB_PASSWORD", "-o", "jsonpath={.labels.tier}"},
			want: "db",
		},
		{
			name: "go-template",
			args: []string{"get", "web", "-o", "go-template={{range .items}}{{.metadata.name}}:{{.updatedBy}} {{end}}"},
			want: "API_KEY:bob DB_PASSWORD:bob ",
		},
		{
			name: "--template alone is a go-template",
			args: []string{"get", "web", "API_KEY", "--template", "{{.project}}/{{.metadata.name}}"},
			want: "web/API_KEY",
		},
		{
			name: "custom-columns",
			args: []string{"get", "web", "-o", "custom-columns=KEY:.metadata.name,ENV:labels.env,BY:{.updatedBy}"},
			want: `KEY           ENV      BY
API_KEY       <none>   bob
DB_PASSWORD   prod     bob
`,
		},
		{
			name: "custom-columns without headers",
			args: []string{"get", "web", "-o", "custom-columns=KEY:.metadata.name", "--no-headers"},
			want: "API_KEY\nDB_PASSWORD\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := getHarness(t).run(t, "", tt.args...).ok(t)
			if r.stdout != tt.want {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.want)
			}
			if r.stderr != "" {
				t.Errorf("stderr %q", r.stderr)
			}
		})
	}
}

type entryOut struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Project     string            `json:"project"`
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels"`
	Size        int               `json:"size"`
	CreatedAt   string            `json:"createdAt"`
	CreatedBy   string            `json:"createdBy"`
	UpdatedAt   string            `json:"updatedAt"`
	UpdatedBy   string            `json:"updatedBy"`
}

type listOut struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Items      []entryOut `json:"items"`
}

func TestGetJSONAndYAML(t *testing.T) {
	t.Parallel()
	h := getHarness(t)
	var list listOut
	r := h.run(t, "", "get", "web", "-o", "json").ok(t)
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("-o json is not JSON: %v\n%s", err, r.stdout)
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != 2 {
		t.Fatalf("list header %s/%s with %d items", list.APIVersion, list.Kind, len(list.Items))
	}
	want := entryOut{
		APIVersion: "projsecret.io/v1alpha1", Kind: "Entry",
		Project: "web", Description: "primary database", Labels: map[string]string{"env": "prod", "tier": "db"}, Size: 7,
		CreatedAt: "2025-03-02T04:06:07Z", CreatedBy: "carol", UpdatedAt: "2025-03-04T05:06:07Z", UpdatedBy: "bob",
	}
	want.Metadata.Name, want.Metadata.Namespace = "DB_PASSWORD", ns
	assertEntry(t, list.Items[1], want)
	if list.Items[0].Metadata.Name != "API_KEY" {
		t.Errorf("first item %q, want API_KEY (sorted by key)", list.Items[0].Metadata.Name)
	}

	// One key prints one object, not a List.
	var one entryOut
	r = h.run(t, "", "get", "web", "DB_PASSWORD", "-o", "yaml").ok(t)
	if err := yaml.UnmarshalStrict([]byte(r.stdout), &one); err != nil {
		t.Fatalf("-o yaml is not one Entry: %v\n%s", err, r.stdout)
	}
	assertEntry(t, one, want)
	if strings.Contains(r.stdout, "hunter2") {
		t.Error("the value is in -o yaml")
	}
}

func assertEntry(t *testing.T, got, want entryOut) {
	t.Helper()
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("entry\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestGetEmptyAndMissing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, ns, "empty"))
	r := h.run(t, "", "get", "empty").ok(t)
	if r.stdout != "" || r.stderr != "No entries in project \"empty\" in namespace \"team-a\".\n" {
		t.Errorf("empty table: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	r = h.run(t, "", "get", "empty", "-o", "json").ok(t)
	var list listOut
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || list.Kind != "List" || len(list.Items) != 0 {
		t.Errorf("empty -o json: %v %q", err, r.stdout)
	}
	h.run(t, "", "get", "nope").fails(t, `error: project "nope": not found in namespace "team-a"`)
	getHarness(t).run(t, "", "get", "web", "API_KEY", "NOPE").fails(t, `error: project "web", key "NOPE": not found`)
}

func TestGetOutputValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		output string
		want   string
	}{
		{"yml", `-o "yml" is not a known format: expected one of wide, custom-columns=HEADER:JSONPATH,..., json, yaml`},
		{"custom-columns=", "no columns: expected HEADER:JSONPATH"},
		{"custom-columns=KEY", `column "KEY": expected HEADER:JSONPATH`},
		{"custom-columns=KEY:{.metadata.name", `column "KEY": unexpected path string "{.metadata.name", expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'`},
		{"jsonpath={.items[", "error parsing jsonpath {.items[, unterminated array"},
		{"go-template={{.x", "unclosed action"},
	}
	for _, tt := range tests {
		t.Run(tt.output, func(t *testing.T) {
			h := getHarness(t)
			h.run(t, "", "get", "web", "-o", tt.output).fails(t, tt.want)
			if h.clientCalls != 0 {
				t.Errorf("a bad -o reached the cluster")
			}
		})
	}
}

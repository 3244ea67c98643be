package plugin

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	k8stesting "k8s.io/client-go/testing"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/editdoc"
	"github.com/projsecret/projsecret/store"
)

// writes counts the create and update calls of project Secrets the fake
// saw; the revisions each write records are not counted.
func (h *harness) writes() int {
	n := 0
	for _, a := range h.cs.Actions() {
		if v := a.GetVerb(); v == "create" || v == "update" {
			if a.GetResource().Resource != "secrets" {
				continue
			}
			if c, ok := a.(k8stesting.CreateAction); ok && strings.HasPrefix(c.GetObject().(*corev1.Secret).Name, projsecret.HistoryNamePrefix) {
				continue
			}
			n++
		}
	}
	return n
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImport(t *testing.T) {
	t.Parallel()
	env := "# comment\nexport NEW=\"multi\nline\"\nOLD='replaced'\n"
	t.Run("existing keys refused without --overwrite", func(t *testing.T) {
		h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "OLD", value: "keep"}, seedEntry{key: "OLD2", value: "keep"}))
		f := writeFile(t, "x.env", env+"OLD2=x\n")
		h.run(t, "", "import", "web", "-f", f).fails(t, `project "web": 2 keys "OLD", "OLD2" already exist: nothing was imported (use --overwrite`)
		if h.writes() != 0 || string(h.value(t, "web", "OLD")) != "keep" {
			t.Fatalf("a refused import wrote %d times", h.writes())
		}
	})
	t.Run("overwrite keeps metadata, labels the created", func(t *testing.T) {
		h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "OLD", value: "keep", description: "old one"}))
		f := writeFile(t, "x.env", env)
		r := h.run(t, "", "import", "web", "-f", f, "--overwrite", "--description", "imported", "--label", "src=env").ok(t)
		if r.stdout != "project \"web\": 1 created, 1 updated\n" {
			t.Errorf("stdout %q", r.stdout)
		}
		if h.writes() != 1 {
			t.Errorf("%d writes, want one", h.writes())
		}
		if string(h.value(t, "web", "NEW")) != "multi\nline" || string(h.value(t, "web", "OLD")) != "replaced" {
			t.Error("values differ from the file")
		}
		if e := h.entry(t, "web", "OLD"); e.Description != "old one" || e.CreatedBy != "carol" || e.UpdatedBy != "alice" {
			t.Errorf("updated entry metadata %+v", e)
		}
		if e := h.entry(t, "web", "NEW"); e.Description != "imported" || e.Labels["src"] != "env" {
			t.Errorf("created entry metadata %+v", e)
		}
	})
	t.Run("dry run writes nothing", func(t *testing.T) {
		h := newHarness(t)
		r := h.run(t, "A=1\nB=2\n", "import", "web", "-f", "-", "--dry-run").ok(t)
		if !strings.HasPrefix(r.stdout, "project \"web\": 2 created, 0 updated") || h.writes() != 0 {
			t.Errorf("stdout %q, %d writes", r.stdout, h.writes())
		}
	})
	t.Run("json from stdin with --format", func(t *testing.T) {
		h := newHarness(t)
		h.run(t, `{"A": "1", "B": "two"}`, "import", "web", "-f", "-", "--format", "json").ok(t)
		if string(h.value(t, "web", "B")) != "two" {
			t.Error("B differs")
		}
	})
	for _, tt := range []struct{ name, file, content, want string }{
		{"invalid keys listed and named", "x.env", "a.b=1\nOK=1\nc/d=2\n", `line 1: key "a.b" is invalid: expected ^[A-Za-z0-9_-]+$, at most 253 characters; line 3: key "c/d" is invalid`},
		{"duplicate", "x.yaml", "A: x\nA: y\n", `line 2: key "A": duplicates the key on line 1`},
		{"syntax", "x.json", "{\n\"A\": 1,\n", "invalid JSON"},
		{"too large", "x.env", "A=" + strings.Repeat("x", projsecret.MaxSecretDataBytes) + "\n", "values total"},
		{"empty", "x.env", "# nothing\n", "has no entries"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "v"}))
			h.run(t, "", "import", "web", "-f", writeFile(t, tt.file, tt.content)).fails(t, tt.want)
			if h.writes() != 0 {
				t.Errorf("%d writes after a refused import", h.writes())
			}
		})
	}
	t.Run("no file", func(t *testing.T) {
		newHarness(t).run(t, "", "import", "web").fails(t, "-f FILE is required")
	})
}

func TestQuoteKeys(t *testing.T) {
	t.Parallel()
	keys := make([]string, 12)
	for i := range keys {
		keys[i] = string(rune('A' + i))
	}
	for _, tt := range []struct {
		keys []string
		want string
	}{
		{keys[:1], `key "A"`},
		{keys[:2], `2 keys "A", "B"`},
		{keys, `12 keys "A", "B", "C", "D", "E", "F", "G", "H", "I", "J" and 2 more`},
	} {
		if got := quoteKeys(tt.keys); got != tt.want {
			t.Errorf("quoteKeys(%d keys) = %q, want %q", len(tt.keys), got, tt.want)
		}
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "B", value: "two words"}, seedEntry{key: "A", value: "1"}, seedEntry{key: "BIN", value: "\xff"}))
	if r := h.run(t, "", "export", "web", "B", "A").ok(t); r.stdout != "A=1\nB='two words'\n" {
		t.Errorf("env export differs (%d bytes)", len(r.stdout))
	}
	if r := h.run(t, "", "export", "web", "A", "-o", "json").ok(t); r.stdout != "{\n  \"A\": \"1\"\n}\n" {
		t.Errorf("json export differs (%d bytes)", len(r.stdout))
	}
	h.run(t, "", "export", "web").fails(t, `project "web", key "BIN": the value is not valid UTF-8 and cannot be exported as env: use "read"`)
	h.run(t, "", "export", "web", "NOPE").fails(t, `key "NOPE": not found`)
	h.run(t, "", "export", "web", "-o", "toml").fails(t, `format "toml" is not known`)
}

// TestExportEnvWarnsOfRiskyNames: env output, made to be sourced, names the
// keys that would change what the user's shell runs, on stderr and never
// with a value; json and yaml do not warn. A key that is not a shell name
// is refused as env, named, with no value printed.
func TestExportEnvWarnsOfRiskyNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, ns, "web",
		seedEntry{key: "PROMPT_COMMAND", value: "s3cr3t-a"}, seedEntry{key: "LD_PRELOAD", value: "s3cr3t-b"},
		seedEntry{key: "DB_PASSWORD", value: "s3cr3t-c"}, seedEntry{key: "db-password", value: "s3cr3t-d"}))
	r := h.run(t, "", "export", "web", "PROMPT_COMMAND", "LD_PRELOAD", "DB_PASSWORD").ok(t)
	if want := "Warning: project \"web\" sets LD_PRELOAD, PROMPT_COMMAND: sourcing this output sets them in your shell, where they change what it and the commands it starts load or run, and anyone who can write the project's Secret chooses them\n"; r.stderr != want {
		t.Errorf("stderr %q\nwant %q", r.stderr, want)
	}
	if !strings.Contains(r.stdout, "PROMPT_COMMAND=s3cr3t-a\n") {
		t.Errorf("the warning kept the key out of the output (%d bytes)", len(r.stdout))
	}
	for _, f := range []string{"json", "yaml"} {
		if r := h.run(t, "", "export", "web", "-o", f).ok(t); r.stderr != "" {
			t.Errorf("-o %s warned: %q", f, r.stderr)
		}
	}
	if r := h.run(t, "", "export", "web", "DB_PASSWORD").ok(t); r.stderr != "" {
		t.Errorf("a plain key warned: %q", r.stderr)
	}
	r = h.run(t, "", "export", "web")
	r.fails(t, `keys that are not shell variable names cannot be written as env (a shell sourcing the file would print their values in an error): "db-password"; use -o json or -o yaml`)
	if r.stdout != "" || strings.Contains(r.stderr, "s3cr3t") {
		t.Errorf("refused export printed %d bytes, stderr %q", len(r.stdout), r.stderr)
	}
}

func TestRun(t *testing.T) {
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "db-pass", value: "from project"}, seedEntry{key: "OTHER", value: "o"}))
	t.Setenv("db-pass", "inherited")
	t.Setenv("DB_PASS", "inherited")

	if r := h.run(t, "", "run", "web", "--", "printenv", "db-pass").ok(t); r.stdout != "from project\n" {
		t.Errorf("child saw %d bytes, not the project value", len(r.stdout))
	}
	if r := h.run(t, "", "run", "web", "--no-override", "--", "printenv", "db-pass").ok(t); r.stdout != "inherited\n" {
		t.Errorf("--no-override: child saw %d bytes, not the inherited value", len(r.stdout))
	}
	if r := h.run(t, "", "run", "web", "db-pass", "--env-names=upper", "--", "sh", "-c", `printf %s "$DB_PASS:${OTHER-unset}"`).ok(t); r.stdout != "from project:unset" {
		t.Errorf("upper with one key: child saw %d bytes, not the expected", len(r.stdout))
	}
	if r := h.run(t, "", "run", "web", "--", "sh", "-c", "exit 7"); r.code != 7 || r.stderr != "Warning: project \"web\" replaces your db-pass: the command gets the project's values instead (--no-override keeps yours)\n" {
		t.Errorf("exit %d, stderr %q; want 7 and the warning about db-pass", r.code, r.stderr)
	}
	if r := h.run(t, "", "run", "web", "--no-override", "--", "sh", "-c", "exit 7"); r.code != 7 || r.stderr != "" {
		t.Errorf("--no-override: exit %d, stderr %q; want 7 and nothing", r.code, r.stderr)
	}
	if r := h.run(t, "", "run", "web", "--", "sh", "-c", "kill -TERM $$"); r.code != 128+15 {
		t.Errorf("killed by SIGTERM: exit %d, want 143", r.code)
	}
	if r := h.run(t, "", "run", "web", "--no-override", "--", "no-such-command-projsecret"); r.code != 127 || r.stderr != "error: no-such-command-projsecret: command not found\n" {
		t.Errorf("not found: exit %d, stderr %q", r.code, r.stderr)
	}
	notExec := writeFile(t, "script", "#!/bin/sh\n")
	if r := h.run(t, "", "run", "web", "--", notExec); r.code != 126 || !strings.Contains(r.stderr, "cannot execute") {
		t.Errorf("not executable: exit %d, stderr %q", r.code, r.stderr)
	}
	h.run(t, "", "run", "web", "NOPE", "--", "true").fails(t, `key "NOPE": not found`)
	h.run(t, "", "run", "nope", "--", "true").fails(t, `project "nope": not found`)
	h.run(t, "", "run", "web", "true").fails(t, "the command to run goes after --")
	h.run(t, "", "run", "web", "--").fails(t, "expected a COMMAND after --")
	h.run(t, "", "run", "web", "--env-names=lower", "--", "true").fails(t, `--env-names "lower" is not known`)
}

func TestRunWarnsOfRiskyNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "LD_LIBRARY_PATH", value: "/nonexistent"}, seedEntry{key: "OK", value: "v"}),
		seeded(t, ns, "git", seedEntry{key: "GIT_CONFIG_COUNT", value: "1"}, seedEntry{key: "GIT_CONFIG_KEY_0", value: "core.pager"},
			seedEntry{key: "GIT_CONFIG_VALUE_0", value: "s3cr3t-command"}, seedEntry{key: "GIT_SSH_COMMAND", value: "s3cr3t-ssh"},
			seedEntry{key: "PAGER", value: "s3cr3t-pager"}, seedEntry{key: "JAVA_TOOL_OPTIONS", value: "-javaagent:s3cr3t.jar"}))
	r := h.run(t, "", "run", "web", "OK", "--", "true").ok(t)
	if r.stderr != "" {
		t.Errorf("warning without a risky name: %q", r.stderr)
	}
	r = h.run(t, "", "run", "web", "LD_LIBRARY_PATH", "--", "true")
	if r.code != 0 || r.stderr != "Warning: project \"web\" sets LD_LIBRARY_PATH: these change what the command loads or runs, and anyone who can write the project's Secret chooses them\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = h.run(t, "", "run", "git", "--", "true")
	want := "Warning: project \"git\" sets GIT_CONFIG_COUNT, GIT_CONFIG_KEY_0, GIT_CONFIG_VALUE_0, GIT_SSH_COMMAND, JAVA_TOOL_OPTIONS, PAGER: these change what the command loads or runs, and anyone who can write the project's Secret chooses them\n"
	if r.code != 0 || r.stderr != want || strings.Contains(r.stderr, "s3cr3t") {
		t.Errorf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
}

func TestEnvVarsAndMerge(t *testing.T) {
	t.Parallel()
	if _, err := envVars("p", map[string][]byte{"a-b": nil, "A_B": nil}, true); err == nil || !strings.Contains(err.Error(), `keys "A_B" and "a-b" both map to the variable A_B`) {
		t.Errorf("collision: %v", err)
	}
	if _, err := envVars("p", map[string][]byte{"a-b": nil, "A_B": nil}, false); err != nil {
		t.Errorf("keep: %v", err)
	}
	if _, err := envVars("p", map[string][]byte{"N": []byte("a\x00b")}, false); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("NUL: %v", err)
	}
	vars := map[string][]byte{"A": []byte("new"), "B": []byte("b")}
	got := mergeEnv([]string{"A=old", "C=c"}, vars, true, "linux")
	if want := []string{"C=c", "A=new", "B=b"}; !slices.Equal(got, want) {
		t.Errorf("override: %d variables, not the expected %d", len(got), len(want))
	}
	got = mergeEnv([]string{"A=old", "C=c"}, vars, false, "linux")
	if want := []string{"A=old", "C=c", "B=b"}; !slices.Equal(got, want) {
		t.Errorf("no override: %d variables, not the expected %d", len(got), len(want))
	}
}

// editor installs a shell script as $KUBE_EDITOR.
func editor(t *testing.T, script string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "editor")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nset -e\n"+script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBE_EDITOR", p)
	t.Setenv("EDITOR", "false")
}

func TestEdit(t *testing.T) {
	seed := func(t *testing.T) *harness {
		return newHarness(t, seeded(t, ns, "web",
			seedEntry{key: "A", value: "alpha", description: "first", labels: map[string]string{"env": "prod"}},
			seedEntry{key: "B", value: "beta"},
			seedEntry{key: "BIN", value: "\xff\xfe"}))
	}
	t.Run("no change", func(t *testing.T) {
		h := seed(t)
		editor(t, "true\n")
		if r := h.run(t, "", "edit", "web").ok(t); r.stdout != "Edit cancelled, no changes made.\n" || h.writes() != 0 {
			t.Errorf("stdout %q, %d writes", r.stdout, h.writes())
		}
	})
	t.Run("empty file cancels", func(t *testing.T) {
		h := seed(t)
		editor(t, `: > "$1"`+"\n")
		if r := h.run(t, "", "edit", "web").ok(t); r.stdout != "Edit cancelled, saved file was empty.\n" || h.writes() != 0 {
			t.Errorf("stdout %q, %d writes", r.stdout, h.writes())
		}
	})
	t.Run("value, label, add and remove in one write", func(t *testing.T) {
		h := seed(t)
		editor(t, `sed -i -e 's/"alpha"/"ALPHA"/' -e 's/env: "prod"/env: "dev"/' -e '/^B:/,/description/d' "$1"
printf 'C:\n  value: "new\\nline"\n  description: "added"\n' >> "$1"
`)
		r := h.run(t, "", "edit", "web").ok(t)
		if r.stdout != "project \"web\": edited, 1 created, 1 updated, 1 deleted\n" || h.writes() != 1 {
			t.Fatalf("stdout %q, %d writes", r.stdout, h.writes())
		}
		if string(h.value(t, "web", "A")) != "ALPHA" || string(h.value(t, "web", "C")) != "new\nline" || string(h.value(t, "web", "BIN")) != "\xff\xfe" {
			t.Error("values differ from the edit")
		}
		if e := h.entry(t, "web", "A"); e.Labels["env"] != "dev" || e.Description != "first" || e.UpdatedBy != "alice" {
			t.Errorf("A metadata %+v", e)
		}
		if _, err := h.client.Read(context.Background(), "web", "B"); err == nil {
			t.Error("B not removed")
		}
	})
	t.Run("invalid key reopens with the error, then fixed", func(t *testing.T) {
		h := seed(t)
		log := filepath.Join(t.TempDir(), "opens")
		editor(t, `echo open >> `+log+`
if [ "$(wc -l < `+log+`)" -eq 1 ]; then
  printf 'bad.key:\n  value: "x"\n' >> "$1"
else
  grep -q '^# error: line .*key "bad.key" is invalid' "$1"
  sed -i 's/^bad.key:/GOOD:/' "$1"
fi
`)
		h.run(t, "", "edit", "web").ok(t)
		if string(h.value(t, "web", "GOOD")) != "x" || h.writes() != 1 {
			t.Errorf("%d writes; GOOD not stored as edited", h.writes())
		}
	})
	t.Run("saving the same errors again gives up", func(t *testing.T) {
		h := seed(t)
		editor(t, `grep -q '^# error:' "$1" || printf 'bad.key:\n  value: "x"\n' >> "$1"`+"\n")
		h.run(t, "", "edit", "web").fails(t, `the edited file still has errors, nothing was written: line`)
		if h.writes() != 0 {
			t.Errorf("%d writes", h.writes())
		}
	})
	t.Run("binary placeholder cannot be edited", func(t *testing.T) {
		h := seed(t)
		editor(t, `grep -q '^# error:' "$1" && exit 0; sed -i 's/binaryValue: "</binaryValue: "edited </' "$1"`+"\n")
		h.run(t, "", "edit", "web").fails(t, "binaryValue is a placeholder")
	})
	t.Run("editor fails", func(t *testing.T) {
		h := seed(t)
		editor(t, "exit 3\n")
		h.run(t, "", "edit", "web").fails(t, "failed, nothing was written")
	})
}

// TestEditMoved: the server changed while the editor was open. Touching an
// entry that moved fails and names it; touching others still applies.
func TestEditMoved(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "A", value: "a"}, seedEntry{key: "B", value: "b"}))
	ctx := context.Background()
	snap, err := h.client.Snapshot(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	original := map[string]editdoc.Entry{}
	for k, v := range snap.Values {
		original[k] = editdoc.Entry{Value: v, Description: snap.Entries[k].Description, Labels: snap.Entries[k].Labels}
	}
	if _, err := h.client.Set(ctx, "web", "B", []byte("moved"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	touchB := editdoc.Plan(original, map[string]editdoc.Entry{"A": original["A"], "B": {Value: []byte("mine")}})
	err = h.client.Apply(ctx, "web", store.ApplyOptions{}, func(b *store.Batch) error { return applyEdit(b, touchB, original) })
	if err == nil || !strings.Contains(err.Error(), `key "B" changed on the server while the editor was open`) {
		t.Fatalf("error %v, want one naming B", err)
	}
	if string(h.value(t, "web", "B")) != "moved" {
		t.Fatal("the other writer's value was overwritten")
	}
	touchA := editdoc.Plan(original, map[string]editdoc.Entry{"A": {Value: []byte("mine")}, "B": original["B"]})
	if err := h.client.Apply(ctx, "web", store.ApplyOptions{}, func(b *store.Batch) error { return applyEdit(b, touchA, original) }); err != nil {
		t.Fatalf("an edit of an entry that did not move failed: %v", err)
	}
	if string(h.value(t, "web", "A")) != "mine" || string(h.value(t, "web", "B")) != "moved" {
		t.Fatal("values differ from the expected")
	}
}

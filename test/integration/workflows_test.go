//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
)

// dotenv has every kind of line import must read: comments, blank lines,
// "export", both quotes, a multi-line value and characters a shell or a
// naive parser would mangle.
const dotenv = `# database
export DB_USER=app
DB_PASSWORD="p@ss \"word\" #1 $HOME\\"

TLS_KEY="-----BEGIN KEY-----
MIIB+/=
-----END KEY-----
"
  # indented comment
LITERAL='single $quoted \n stays'
SPACES="  both ends  "
UNICODE="héllo ✓"
`

var dotenvValues = map[string][]byte{
	"DB_USER":     []byte("app"),
	"DB_PASSWORD": []byte(`p@ss "word" #1 $HOME\`),
	"TLS_KEY":     []byte("-----BEGIN KEY-----\nMIIB+/=\n-----END KEY-----\n"),
	"LITERAL":     []byte(`single $quoted \n stays`),
	"SPACES":      []byte("  both ends  "),
	"UNICODE":     []byte("héllo ✓"),
}

// sameData compares stored values without printing them.
func sameData(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	if !maps.EqualFunc(got, want, bytes.Equal) {
		var diff []string
		for k := range want {
			if !bytes.Equal(got[k], want[k]) {
				diff = append(diff, k)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				diff = append(diff, k)
			}
		}
		t.Fatalf("%s: keys %v differ (%d keys stored, %d expected; values not printed)", what, diff, len(got), len(want))
	}
}

func TestImportExport(t *testing.T) {
	ns := namespace(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, "app.env")
	if err := os.WriteFile(envFile, []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}

	res := mustSucceed(t, nil, "-n", ns, "import", "app", "-f", envFile, "--description", "from .env", "--label", "src=dotenv")
	if res.Stdout != "project \"app\": 6 created, 0 updated\n" {
		t.Fatalf("import printed %q", res.Stdout)
	}
	s := secret(t, ns, "app")
	sameData(t, "import of the .env file", s.Data, dotenvValues)
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		t.Fatal(err)
	}
	if m := entries["TLS_KEY"]; m.Description != "from .env" || m.Labels["src"] != "dotenv" || m.CreatedBy == "" {
		t.Fatalf("created entry metadata %+v", m)
	}

	// Again, without --overwrite: refused, naming every existing key, and
	// nothing written.
	rv := s.ResourceVersion
	res = kubectl(t, []byte("NEW=1\nDB_USER=other\nSPACES=x\n"), "projsecret", "-n", ns, "import", "app", "-f", "-")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, `2 keys "DB_USER", "SPACES" already exist: nothing was imported`) || strings.Count(res.Stderr, "\n") != 1 {
		t.Fatalf("import over existing keys: %s", res)
	}
	if got := secret(t, ns, "app"); got.ResourceVersion != rv || got.Data["NEW"] != nil {
		t.Fatalf("a refused import wrote: resourceVersion %s -> %s", rv, got.ResourceVersion)
	}
	// A dry run sends nothing either.
	mustSucceed(t, []byte("NEW=1\nDB_USER=other\n"), "-n", ns, "import", "app", "-f", "-", "--overwrite", "--dry-run")
	if got := secret(t, ns, "app"); got.ResourceVersion != rv {
		t.Fatalf("a dry run wrote: resourceVersion %s -> %s", rv, got.ResourceVersion)
	}
	// An invalid file is refused as a whole.
	res = kubectl(t, []byte("NEW=1\nbad.key=2\n"), "projsecret", "-n", ns, "import", "app", "-f", "-")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, `line 2: key "bad.key" is invalid`) || strings.Contains(res.Stderr, "=2") {
		t.Fatalf("import of an invalid key: %s", res)
	}
	if got := secret(t, ns, "app"); got.ResourceVersion != rv {
		t.Fatal("a refused import wrote")
	}

	// With --overwrite: one write, new values, metadata kept.
	res = mustSucceed(t, []byte("NEW=1\nDB_USER=other\n"), "-n", ns, "import", "app", "-f", "-", "--overwrite")
	if res.Stdout != "project \"app\": 1 created, 1 updated\n" {
		t.Fatalf("import --overwrite printed %q", res.Stdout)
	}
	s = secret(t, ns, "app")
	want := maps.Clone(dotenvValues)
	want["NEW"], want["DB_USER"] = []byte("1"), []byte("other")
	sameData(t, "import --overwrite", s.Data, want)
	after, _ := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if m := after["DB_USER"]; m.Description != "from .env" || !m.CreatedAt.Equal(entries["DB_USER"].CreatedAt) {
		t.Fatalf("overwritten entry lost its metadata: %+v", m)
	}

	// JSON and YAML, chosen by extension.
	jsonFile := filepath.Join(dir, "app.json")
	yamlFile := filepath.Join(dir, "app.yml")
	os.WriteFile(jsonFile, []byte(`{"J1": "one", "J2": "multi\nline \"q\""}`), 0o600)
	os.WriteFile(yamlFile, []byte("Y1: plain\nY2: |\n  block\n  text\nY3: \"no\"\n"), 0o600)
	mustSucceed(t, nil, "-n", ns, "import", "fromjson", "-f", jsonFile)
	mustSucceed(t, nil, "-n", ns, "import", "fromyaml", "-f", yamlFile)
	sameData(t, "JSON import", secret(t, ns, "fromjson").Data, map[string][]byte{"J1": []byte("one"), "J2": []byte("multi\nline \"q\"")})
	sameData(t, "YAML import", secret(t, ns, "fromyaml").Data, map[string][]byte{"Y1": []byte("plain"), "Y2": []byte("block\ntext\n"), "Y3": []byte("no")})
	res = kubectl(t, []byte("{\"A\": \"1\",\n\"A\": \"2\"}"), "projsecret", "-n", ns, "import", "dup", "-f", "-", "--format", "json")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, `line 2: key "A": duplicates the key on line 1`) {
		t.Fatalf("JSON with a duplicate key: %s", res)
	}

	// export | import into a second project: byte-identical, in every format.
	for _, format := range []string{"env", "json", "yaml"} {
		out := mustSucceed(t, nil, "-n", ns, "export", "app", "-o", format).Stdout
		target := "copy-" + format
		mustSucceed(t, []byte(out), "-n", ns, "import", target, "-f", "-", "--format", format)
		sameData(t, "export -o "+format+" | import", secret(t, ns, target).Data, secret(t, ns, "app").Data)
	}
	var subset map[string]string
	if err := json.Unmarshal([]byte(mustSucceed(t, nil, "-n", ns, "export", "app", "NEW", "-o", "json").Stdout), &subset); err != nil || len(subset) != 1 || subset["NEW"] != "1" {
		t.Fatalf("export of one key as JSON: %d keys, %v", len(subset), err)
	}

	// A value that is not UTF-8 cannot be exported: nothing printed.
	mustSucceed(t, []byte("\xff\xfe"), "-n", ns, "create", "app", "BINARY", "--stdin")
	res = kubectl(t, nil, "projsecret", "-n", ns, "export", "app")
	if res.ExitCode != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, `key "BINARY": the value is not valid UTF-8`) {
		t.Fatalf("export with a binary value: %s", res)
	}
}

func TestRunWithSecrets(t *testing.T) {
	ns := namespace(t)
	mustSucceed(t, []byte("from-project"), "-n", ns, "create", "app", "api-token", "--stdin")
	mustSucceed(t, []byte("other"), "-n", ns, "create", "app", "OTHER", "--stdin")

	res := mustSucceed(t, nil, "-n", ns, "run", "app", "--env-names=upper", "--", "printenv", "API_TOKEN")
	if res.Stdout != "from-project\n" {
		t.Fatalf("the child printed %d bytes, not the project value", len(res.Stdout))
	}
	// Values are in the child's environment, not in its arguments.
	res = mustSucceed(t, nil, "-n", ns, "run", "app", "--", "sh", "-c", `cat /proc/$$/cmdline`)
	if strings.Contains(res.Stdout, "from-project") {
		t.Fatal("a value appeared in the child's argv")
	}
	if res := kubectl(t, nil, "projsecret", "-n", ns, "run", "app", "--", "sh", "-c", "exit 7"); res.ExitCode != 7 {
		t.Fatalf("child exiting 7: %s", res)
	}
	if res := kubectl(t, nil, "projsecret", "-n", ns, "run", "app", "--", "sh", "-c", "kill -KILL $$"); res.ExitCode != 128+9 {
		t.Fatalf("child killed by SIGKILL: %s", res)
	}
	if res := kubectl(t, nil, "projsecret", "-n", ns, "run", "app", "--", "no-such-command-projsecret"); res.ExitCode != 127 || !strings.Contains(res.Stderr, "command not found") {
		t.Fatalf("missing command: %s", res)
	}
	if res := kubectl(t, nil, "projsecret", "-n", ns, "run", "app", "MISSING", "--", "true"); res.ExitCode != 1 || !strings.Contains(res.Stderr, `key "MISSING": not found`) {
		t.Fatalf("missing key: %s", res)
	}
	// A signal to the plugin reaches the child: the child traps SIGTERM and
	// exits 42, which only happens if it got the signal.
	script := `trap 'exit 42' TERM; kill -TERM $PPID; while :; do sleep 0.1; done`
	if res := kubectl(t, nil, "projsecret", "-n", ns, "run", "app", "--", "sh", "-c", script); res.ExitCode != 42 {
		t.Fatalf("SIGTERM to the plugin was not forwarded: %s", res)
	}
}

// TestRunWarnsOfRiskyNames: entries that make the command run something
// else are named in a warning before it starts, without their values.
func TestRunWarnsOfRiskyNames(t *testing.T) {
	ns := namespace(t)
	for k, v := range map[string]string{
		"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.pager", "GIT_CONFIG_VALUE_0": "s3cr3t-pager-command",
		"GIT_SSH_COMMAND": "s3cr3t-ssh", "PAGER": "s3cr3t-pager", "JAVA_TOOL_OPTIONS": "-javaagent:s3cr3t.jar", "PLAIN": "v",
	} {
		mustSucceed(t, []byte(v), "-n", ns, "create", "app", k, "--stdin")
	}
	res := mustSucceed(t, nil, "-n", ns, "run", "app", "--", "true")
	warning, _, _ := strings.Cut(res.Stderr, "\n")
	for _, name := range []string{"GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_SSH_COMMAND", "PAGER", "JAVA_TOOL_OPTIONS"} {
		if !strings.Contains(warning, name) {
			t.Errorf("the warning does not name %s: %q", name, warning)
		}
	}
	if !strings.HasPrefix(warning, `Warning: project "app" sets `) || strings.Contains(warning, "PLAIN") || strings.Contains(res.Stderr, "s3cr3t") {
		t.Errorf("stderr %q: want one warning naming the risky names only, no value", res.Stderr)
	}
	if res := mustSucceed(t, nil, "-n", ns, "run", "app", "PLAIN", "--no-override", "--", "true"); res.Stderr != "" {
		t.Errorf("a plain entry warned: %q", res.Stderr)
	}
}

// TestExportEnvSourcedBySh: a file from export -o env, sourced by sh, runs
// nothing from a value and gives back every value byte for byte.
func TestExportEnvSourcedBySh(t *testing.T) {
	ns := namespace(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "X")
	values := map[string][]byte{
		"SUBST":     []byte("$(touch X) $(touch " + marker + ")"),
		"BACKTICKS": []byte("`touch X` `touch " + marker + "`"),
		"VARS":      []byte("$HOME ${PATH} $$ ~"),
		"NEWLINES":  []byte("line one\nline two\n"),
		"QUOTES":    []byte(`it's "quoted" '\'' \'`),
		"BACKSLASH": []byte(`C:\dir\n \\`),
		"CONTROL":   []byte("\t;|&<>(){}*?[!]# \r"),
		"PLAIN":     []byte("8080"),
		"ZSH_EQ":    []byte("=ls:=nosuchcommand:~"),
	}
	for k, v := range values {
		mustSucceed(t, v, "-n", ns, "create", "app", k, "--stdin")
	}
	out := mustSucceed(t, nil, "-n", ns, "export", "app", "-o", "env").Stdout
	if err := os.WriteFile(filepath.Join(dir, "app.env"), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, shell := range []string{"sh", "bash", "zsh"} {
		cmd := exec.Command(shell, "-c", "set -a; . ./app.env; set +a; exec env -0")
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		env, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("%s sourcing the export: %v; %d bytes on stderr", shell, err, stderr.Len())
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s sourcing the export ran a command from a value", shell)
		}
		got := map[string][]byte{}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if name, v, ok := bytes.Cut(kv, []byte("=")); ok {
				if _, ours := values[string(name)]; ours {
					got[string(name)] = v
				}
			}
		}
		sameData(t, "values sourced by "+shell, got, values)
	}
	// And import reads the same file back exactly.
	mustSucceed(t, []byte(out), "-n", ns, "import", "copy", "-f", "-")
	sameData(t, "export -o env | import", secret(t, ns, "copy").Data, values)
}

// editorScript makes an executable script the editor, through EDITOR.
func editorScript(t *testing.T, body string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nset -e\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBE_EDITOR", "")
	t.Setenv("EDITOR", p)
}

func TestEditWithEditor(t *testing.T) {
	ns := namespace(t)
	mustSucceed(t, []byte("alpha"), "-n", ns, "create", "app", "A", "--stdin", "--description", "first")
	mustSucceed(t, []byte("beta"), "-n", ns, "create", "app", "B", "--stdin")
	state := t.TempDir()

	// Leaves the file as it is: nothing sent.
	editorScript(t, "stat -c '%a' \"$1\" \"$(dirname \"$1\")\" > "+state+"/modes\necho \"$1\" > "+state+"/path\n")
	rv := secret(t, ns, "app").ResourceVersion
	if res := mustSucceed(t, nil, "-n", ns, "edit", "app"); res.Stdout != "Edit cancelled, no changes made.\n" {
		t.Fatalf("unchanged edit printed %q", res.Stdout)
	}
	if secret(t, ns, "app").ResourceVersion != rv {
		t.Fatal("an unchanged edit wrote")
	}
	if modes, _ := os.ReadFile(state + "/modes"); string(modes) != "600\n700\n" {
		t.Fatalf("file and directory modes %q, want 600 and 700", modes)
	}
	path, _ := os.ReadFile(state + "/path")
	if _, err := os.Stat(filepath.Dir(strings.TrimSpace(string(path)))); !os.IsNotExist(err) {
		t.Fatalf("the temporary directory is still there: %v", err)
	}

	// Changes one value: one write, metadata kept.
	editorScript(t, `sed -i 's/value: "alpha"/value: "ALPHA"/' "$1"`+"\n")
	if res := mustSucceed(t, nil, "-n", ns, "edit", "app"); res.Stdout != "project \"app\": edited, 0 created, 1 updated, 0 deleted\n" {
		t.Fatalf("edit printed %q", res.Stdout)
	}
	s := secret(t, ns, "app")
	sameData(t, "after the edit", s.Data, map[string][]byte{"A": []byte("ALPHA"), "B": []byte("beta")})
	entries, _ := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if entries["A"].Description != "first" {
		t.Fatalf("the edit lost the description: %+v", entries["A"])
	}

	// Writes an invalid key; reopened with the error at the top; fixed.
	editorScript(t, `n=$(cat `+state+`/opens 2>/dev/null || echo 0); echo $((n+1)) > `+state+`/opens
if [ "$n" -eq 0 ]; then printf 'bad.key:\n  value: "x"\n' >> "$1"
else grep -q '^# error: line .*key "bad.key" is invalid' "$1"; sed -i 's/^bad.key:/GOOD:/' "$1"; fi
`)
	rv = secret(t, ns, "app").ResourceVersion
	mustSucceed(t, nil, "-n", ns, "edit", "app")
	if opens, _ := os.ReadFile(state + "/opens"); string(opens) != "2\n" {
		t.Fatalf("the editor opened %q times, want 2", opens)
	}
	s = secret(t, ns, "app")
	if string(s.Data["GOOD"]) != "x" || s.Data["bad.key"] != nil {
		t.Fatal("the fixed key was not stored as edited")
	}
	if s.ResourceVersion == rv {
		t.Fatal("nothing was written")
	}

	// Ctrl-C while the editor is open: the plugin ends, the file is gone,
	// nothing is written. The script is the plugin's direct child.
	editorScript(t, "echo \"$1\" > "+state+"/path\nsed -i 's/value: \"beta\"/value: \"lost\"/' \"$1\"\nkill -INT $PPID\nsleep 5\n")
	rv = secret(t, ns, "app").ResourceVersion
	res := kubectl(t, nil, "projsecret", "-n", ns, "edit", "app")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "interrupted") {
		t.Fatalf("edit interrupted: %s", res)
	}
	path, _ = os.ReadFile(state + "/path")
	if _, err := os.Stat(filepath.Dir(strings.TrimSpace(string(path)))); !os.IsNotExist(err) {
		t.Fatalf("the temporary directory survived Ctrl-C: %v", err)
	}
	if secret(t, ns, "app").ResourceVersion != rv {
		t.Fatal("an interrupted edit wrote")
	}
}

// TestEditWhileServerChanges: another writer changes the Secret while the
// editor is open (the editor script itself runs kubectl projsecret set).
// TestEditSIGQUIT: Ctrl-\ (SIGQUIT) while the editor is open removes the
// file with the values, in the real plugin run by kubectl: Go's own
// handler would dump goroutines and exit with the file left behind.
func TestEditSIGQUIT(t *testing.T) {
	ns := namespace(t)
	mustSucceed(t, []byte("s3cr3t-alpha"), "-n", ns, "create", "app", "A", "--stdin")
	state := t.TempDir()
	editorScript(t, "trap 'kill $!; exit 1' QUIT\nsleep 60 </dev/null >/dev/null 2>&1 &\necho \"$1\" > "+state+"/path.tmp\nmv "+state+"/path.tmp "+state+"/path\nwait\n")
	cmd := exec.Command("kubectl", "projsecret", "-n", ns, "edit", "app")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Kubeconfig, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var path string
	waitFor(t, "the editor to start", func() bool {
		b, err := os.ReadFile(state + "/path")
		path = strings.TrimSpace(string(b))
		return err == nil
	})
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "s3cr3t-alpha") {
		t.Fatalf("the editor's file does not hold the value while it runs: %v", err)
	}
	// kubectl runs a plugin by exec: this is the plugin's process.
	if err := cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("edit after SIGQUIT: %v, want exit status 1", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("edit did not end within 30s of SIGQUIT")
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("the editor's directory is still there after SIGQUIT: %v", err)
	}
	if got := stderr.String(); !strings.Contains(got, `error: project "app": interrupted (quit), nothing was written`) || strings.Contains(got, "goroutine") || strings.Contains(got, "s3cr3t") {
		t.Errorf("stderr %q: want the interruption, no goroutine dump, no value", got)
	}
}

func TestEditWhileServerChanges(t *testing.T) {
	ns := namespace(t)
	mustSucceed(t, []byte("alpha"), "-n", ns, "create", "app", "A", "--stdin")
	mustSucceed(t, []byte("beta"), "-n", ns, "create", "app", "B", "--stdin")

	// B moves, the edit touches only A: applied, B's new value kept.
	editorScript(t, "printf moved | kubectl projsecret -n "+ns+" set app B --stdin >/dev/null\n"+
		`sed -i 's/value: "alpha"/value: "edited"/' "$1"`+"\n")
	mustSucceed(t, nil, "-n", ns, "edit", "app")
	sameData(t, "edit beside a concurrent set", secret(t, ns, "app").Data, map[string][]byte{"A": []byte("edited"), "B": []byte("moved")})

	// A moves and the edit touches A: refused, naming A; the other
	// writer's value stays.
	editorScript(t, "printf theirs | kubectl projsecret -n "+ns+" set app A --stdin >/dev/null\n"+
		`sed -i 's/value: "edited"/value: "mine"/' "$1"`+"\n")
	res := kubectl(t, nil, "projsecret", "-n", ns, "edit", "app")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, `key "A" changed on the server while the editor was open`) {
		t.Fatalf("edit of a moved key: %s", res)
	}
	sameData(t, "after the refused edit", secret(t, ns, "app").Data, map[string][]byte{"A": []byte("theirs"), "B": []byte("moved")})
}

// TestImplicitEmptyValue: a script that forgot --stdin writes nothing.
func TestImplicitEmptyValue(t *testing.T) {
	ns := namespace(t)
	mustSucceed(t, []byte("keep"), "-n", ns, "create", "app", "K", "--stdin")
	rv := secret(t, ns, "app").ResourceVersion
	for _, args := range [][]string{{"set", "app", "K"}, {"create", "app", "NEW"}, {"set", "app", "K", "--stdin"}} {
		res := kubectl(t, []byte{}, append([]string{"projsecret", "-n", ns}, args...)...)
		if res.ExitCode != 1 || !(strings.Contains(res.Stderr, "expected --stdin, --from-file or --from-literal") || strings.Contains(res.Stderr, "--allow-empty")) {
			t.Fatalf("%v with empty stdin: %s", args, res)
		}
	}
	if s := secret(t, ns, "app"); s.ResourceVersion != rv || string(s.Data["K"]) != "keep" {
		t.Fatal("an implicit empty value was written")
	}
	mustSucceed(t, []byte{}, "-n", ns, "set", "app", "K", "--stdin", "--allow-empty")
	if s := secret(t, ns, "app"); len(s.Data["K"]) != 0 {
		t.Fatal("--allow-empty did not store the empty value")
	}
}

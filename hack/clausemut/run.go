package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Status is what became of one mutant, in gremlins' words.
type Status string

const (
	Killed    = Status("KILLED")
	Lived     = Status("LIVED")
	NotViable = Status("NOT VIABLE") // the mutant does not build
	TimedOut  = Status("TIMED OUT")
)

type result struct {
	Mutant
	Status Status
	By     string // the first test that failed, for a killed mutant
}

func goCmd() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// testPackage runs the package's tests once clean, to know they pass and
// how long they take, then against every mutant of targets.
func testPackage(pkg string, targets []target, o options, out io.Writer) ([]result, error) {
	tmp, err := os.MkdirTemp("", "clausemut-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir, err := filepath.Abs(pkg)
	if err != nil {
		return nil, err
	}
	clean := filepath.Join(tmp, "clean.test")
	if msg, err := build(dir, clean, ""); err != nil {
		return nil, fmt.Errorf("%s does not build unmutated: %v\n%s", pkg, err, msg)
	}
	// A timing test can fail on a busy machine: the clean run gets three
	// tries, and a kill is confirmed by its test alone (verdict).
	var took time.Duration
	for try := 1; ; try++ {
		began := time.Now()
		msg, err := runTests(context.Background(), dir, clean, 0, o.run)
		took = time.Since(began)
		if err == nil {
			break
		}
		if try == 3 {
			return nil, fmt.Errorf("%s: the tests fail unmutated, so no mutant can be judged: %v\n%s", pkg, err, msg)
		}
		fmt.Fprintf(out, "clausemut: %s: the clean run failed (%s), trying again\n", pkg, firstLines(failedTest.Find(msg), 1))
	}
	limit := o.timeout
	if limit == 0 {
		limit = max(10*time.Second, time.Duration(o.coefficient*float64(took)))
	}
	// One build holding every mutant, each switched on by number, turns a
	// link per mutant (most of the time, for a package that links
	// client-go) into one. Only when it does not build is each mutant
	// built on its own.
	schema := filepath.Join(tmp, "schema.test")
	if o.noSchema {
		schema = ""
	} else if msg, err := buildSchema(dir, tmp, targets, schema); err != nil {
		fmt.Fprintf(out, "clausemut: %s: the schema does not build, building each mutant on its own: %v\n%s\n", pkg, err, firstLines(msg, 5))
		schema = ""
	} else if _, err := runTests(context.Background(), dir, schema, 0, o.run); err != nil {
		if msg, err := runTests(context.Background(), dir, schema, 0, o.run); err != nil {
			return nil, fmt.Errorf("%s: the tests fail twice with no mutant switched on (a wrong schema, or a flaky test: see %s): %v\n%s", pkg, skipEnv, err, msg)
		}
	}
	ids := map[*Mutant]int{}
	n := 0
	for ti := range targets {
		for mi := range targets[ti].mutants {
			n++
			ids[&targets[ti].mutants[mi]] = n
		}
	}

	type job struct {
		m   Mutant
		id  int
		src []byte
	}
	jobs := make(chan job)
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	for w := range o.workers {
		wdir := filepath.Join(tmp, fmt.Sprint(w))
		if err := os.Mkdir(wdir, 0o700); err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var r result
				if schema != "" {
					r = verdict(dir, schema, j.id, limit, o.run)
				} else {
					r = judge(dir, wdir, j.m, j.src, limit, o.run)
				}
				r.Mutant = j.m
				mu.Lock()
				results = append(results, r)
				line := fmt.Sprintf("%12s %s  %s", r.Status, j.m, j.m.Describe())
				if r.By != "" {
					line += "  (" + r.By + ")"
				}
				fmt.Fprintln(out, line)
				mu.Unlock()
			}
		}()
	}
	for ti := range targets {
		for mi := range targets[ti].mutants {
			m := &targets[ti].mutants[mi]
			jobs <- job{*m, ids[m], targets[ti].src}
		}
	}
	close(jobs)
	wg.Wait()
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].File != results[j].File {
			return results[i].File < results[j].File
		}
		return results[i].Start < results[j].Start
	})
	return results, nil
}

// judge builds one mutant's test binary through an overlay and runs it.
func judge(pkgDir, wdir string, m Mutant, src []byte, limit time.Duration, run string) result {
	mutated := filepath.Join(wdir, filepath.Base(m.File))
	if err := os.WriteFile(mutated, m.Apply(src), 0o600); err != nil {
		return result{Status: NotViable}
	}
	abs, _ := filepath.Abs(m.File)
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {abs: mutated}})
	overlayFile := filepath.Join(wdir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		return result{Status: NotViable}
	}
	bin := filepath.Join(wdir, "mutant.test")
	if msg, err := build(pkgDir, bin, overlayFile); err != nil {
		// Removing the only use of an import is still a clause removed,
		// not a mutant that cannot exist: blank the import and build again.
		fixed, ok := blankUnusedImports(m.Apply(src), msg)
		if !ok || os.WriteFile(mutated, fixed, 0o600) != nil {
			return result{Status: NotViable}
		}
		if _, err := build(pkgDir, bin, overlayFile); err != nil {
			return result{Status: NotViable}
		}
	}
	return verdict(pkgDir, bin, 0, limit, run)
}

// verdict runs a test binary with mutant id switched on (0 for a binary
// that holds one mutant only).
func verdict(pkgDir, bin string, id int, limit time.Duration, run string) result {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	out, err := runTests(ctx, pkgDir, bin, id, run)
	switch {
	case ctx.Err() != nil:
		return result{Status: TimedOut}
	case err != nil:
		m := failedTest.FindSubmatch(out)
		if m == nil {
			return result{Status: Killed} // the binary failed outside any test
		}
		// A test that fails under load (a timing test on a busy machine)
		// would kill mutants it does not look at: the kill counts only if
		// the test fails again on its own, or the whole run fails again.
		by := string(m[1])
		if confirm(pkgDir, bin, id, by, limit) {
			return result{Status: Killed, By: by}
		}
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		out, err := runTests(ctx, pkgDir, bin, id, run)
		if ctx.Err() != nil {
			return result{Status: TimedOut}
		}
		if m := failedTest.FindSubmatch(out); err != nil && m != nil && confirm(pkgDir, bin, id, string(m[1]), limit) {
			return result{Status: Killed, By: string(m[1])}
		}
	}
	return result{Status: Lived}
}

// confirm runs one test, by its full name, with the mutant switched on,
// and reports whether it fails.
func confirm(pkgDir, bin string, id int, test string, limit time.Duration) bool {
	parts := strings.Split(test, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.count=1", "-test.run", strings.Join(parts, "/"))
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", mutantEnv, id))
	cmd.WaitDelay = 5 * time.Second
	return cmd.Run() != nil && ctx.Err() == nil
}

// failedTest finds the innermost failing test go test prints first: with
// subtests, the subtest's line comes before its parent's.
var failedTest = regexp.MustCompile(`--- FAIL: (\S+)`)

// skipEnv holds a -test.skip pattern for every run: a timing test that
// fails on a loaded machine can be left out of a run there, saying so.
const skipEnv = "CLAUSEMUT_SKIP"

// mutantEnv names the mutant a schema build runs with; 0 is none.
const mutantEnv = "CLAUSEMUT_MUTANT"

// schemaSupport is the file the schema adds to the package: clausemutOn
// reads the mutant's number once.
const schemaSupport = `package %s

import (
	"os"
	"strconv"
)

var clausemutActive, _ = strconv.Atoi(os.Getenv("` + mutantEnv + `"))

func clausemutOn(id int) bool { return clausemutActive == id }
`

// buildSchema writes every target with all its mutants wrapped, numbered
// across the package in order, and builds them as one test binary.
func buildSchema(pkgDir, tmp string, targets []target, bin string) ([]byte, error) {
	replace := map[string]string{}
	first := 1
	var pkgName string
	for i, t := range targets {
		f, err := parser.ParseFile(token.NewFileSet(), "", t.src, parser.PackageClauseOnly)
		if err != nil {
			return nil, err
		}
		pkgName = f.Name.Name
		file := filepath.Join(tmp, fmt.Sprintf("schema%d_%s", i, filepath.Base(t.path)))
		if err := os.WriteFile(file, Schema(t.src, t.mutants, first), 0o600); err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(t.path)
		if err != nil {
			return nil, err
		}
		replace[abs] = file
		first += len(t.mutants)
	}
	support := filepath.Join(tmp, "clausemut_schema.go")
	if err := os.WriteFile(support, fmt.Appendf(nil, schemaSupport, pkgName), 0o600); err != nil {
		return nil, err
	}
	replace[filepath.Join(pkgDir, "clausemut_schema.go")] = support
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": replace})
	if err != nil {
		return nil, err
	}
	overlayFile := filepath.Join(tmp, "schema.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		return nil, err
	}
	return build(pkgDir, bin, overlayFile)
}

func firstLines(b []byte, n int) string {
	lines := bytes.SplitN(b, []byte("\n"), n+1)
	return string(bytes.Join(lines[:min(n, len(lines))], []byte("\n")))
}

// build compiles the package's test binary; vet is not run, as a mutant is
// judged by the tests alone.
func build(pkgDir, bin, overlay string) ([]byte, error) {
	// Without a symbol table and DWARF the link, most of a mutant's
	// build, takes about half as long.
	args := []string{"test", "-c", "-ldflags=-s -w", "-o", bin}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command(goCmd(), append(args, ".")...)
	cmd.Dir = pkgDir
	return cmd.CombinedOutput()
}

// runTests runs a test binary in its package's directory, as go test does,
// stopping at the first failure. Its output is only returned for the clean
// run: a mutant's failures are expected.
func runTests(ctx context.Context, pkgDir, bin string, mutant int, run string) ([]byte, error) {
	args := []string{"-test.count=1", "-test.failfast"}
	if run != "" {
		args = append(args, "-test.run", run)
	}
	if skip := os.Getenv(skipEnv); skip != "" {
		args = append(args, "-test.skip", skip)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", mutantEnv, mutant))
	cmd.WaitDelay = 5 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return buf.Bytes(), ctx.Err()
	}
	return buf.Bytes(), err
}

var unusedImport = regexp.MustCompile(`"([^"]+)" imported and not used`)

// blankUnusedImports turns each import the compiler found unused into a
// blank import; it reports false when the build failed for another reason.
func blankUnusedImports(src, buildOutput []byte) ([]byte, bool) {
	unused := map[string]bool{}
	for _, m := range unusedImport.FindAllSubmatch(buildOutput, -1) {
		unused[strconv.Quote(string(m[1]))] = true
	}
	if len(unused) == 0 {
		return nil, false
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly)
	if err != nil {
		return nil, false
	}
	var at []int
	for _, spec := range f.Imports {
		if spec.Name == nil && unused[spec.Path.Value] {
			at = append(at, fset.Position(spec.Path.Pos()).Offset)
		}
	}
	for i := len(at) - 1; i >= 0; i-- {
		src = append(src[:at[i]], append([]byte("_ "), src[at[i]:]...)...)
	}
	return src, len(at) > 0
}

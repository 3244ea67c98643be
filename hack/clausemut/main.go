// Command clausemut is the mutation tester for what gremlins does not
// mutate: it removes one clause of an && or || chain (the term becomes
// true or false), negates one if condition or tagless case, or deletes one
// statement that declares nothing, and runs the owning package's unit
// tests against each mutant, one at a time. Each mutant reaches the
// compiler through go test -overlay, so the tree is never modified and
// several workers can run side by side. By default all mutants of a
// package are compiled into one test binary (a mutant schema), each guarded
// by its number, and the binary is run once per mutant with that number in
// CLAUSEMUT_MUTANT: one link instead of hundreds.
//
//	clausemut [-files policy.go,webhook/envelope.go] [-workers 2] [-timeout 30s] [-list] [-no-schema] PKGDIR...
//
// It prints one line per mutant, as gremlins does (KILLED, LIVED, NOT
// VIABLE for a mutant that does not build, TIMED OUT), then totals per
// file and the test efficacy, killed / (killed + lived).
//
// No mutation tester served by the module proxy here removes clauses or
// statements (gremlins v0.6.0 mutates operators only), hence this one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "clausemut:", err)
		os.Exit(1)
	}
}

type options struct {
	files       map[string]bool // base names or paths from the module root; empty means all
	workers     int
	timeout     time.Duration // per mutant's test run; zero means coefficient × the clean run
	coefficient float64
	list        bool
	noSchema    bool
	run         string // -test.run for every test run, to see what some tests alone kill
	pkgs        []string
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("clausemut", flag.ContinueOnError)
	files := fs.String("files", "", "comma-separated files to mutate, by base name (policy.go) or path from the module root (webhook/envelope.go); default every non-test file of each package")
	o := options{}
	fs.IntVar(&o.workers, "workers", 1, "mutants built and tested at once")
	fs.DurationVar(&o.timeout, "timeout", 0, "time limit of one mutant's tests (not its build); 0 means -timeout-coefficient times the clean run, at least 10s")
	fs.Float64Var(&o.coefficient, "timeout-coefficient", 4, "multiple of the clean test run each mutant's tests may take, when -timeout is 0")
	fs.BoolVar(&o.list, "list", false, "list the mutants without building or testing them")
	fs.StringVar(&o.run, "run", "", "run only the tests matching this pattern (go test -run), to see what they alone kill; the package's score is a run without it")
	fs.BoolVar(&o.noSchema, "no-schema", false, "build each mutant on its own instead of one build holding them all (slower; tells a mutant that does not build apart)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.pkgs = fs.Args()
	if len(o.pkgs) == 0 {
		return o, errors.New("name at least one package directory, such as . or ./webhook")
	}
	if o.workers < 1 {
		return o, fmt.Errorf("-workers %d: expected at least 1", o.workers)
	}
	o.files = map[string]bool{}
	for _, f := range strings.Split(*files, ",") {
		if f = strings.TrimSpace(f); f != "" {
			o.files[filepath.Clean(f)] = true
		}
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	start := time.Now()
	var results []result
	matched := map[string]bool{}
	for _, pkg := range o.pkgs {
		targets, err := o.targets(pkg, matched)
		if err != nil {
			return err
		}
		if len(targets) == 0 {
			continue
		}
		if o.list {
			for _, t := range targets {
				for _, m := range t.mutants {
					fmt.Fprintf(out, "%12s %s  %s\n", "RUNNABLE", m, m.Describe())
				}
			}
			continue
		}
		rs, err := testPackage(pkg, targets, o, out)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	for f := range o.files {
		if !matched[f] {
			return fmt.Errorf("-files names %s, which is in none of the packages %s", f, strings.Join(o.pkgs, " "))
		}
	}
	if !o.list {
		report(out, results, time.Since(start))
	}
	return nil
}

// target is one file of a package and its mutants.
type target struct {
	path    string // the file, relative to the working directory
	src     []byte
	mutants []Mutant
}

// targets reads the package's non-test files that -files selects.
func (o options) targets(pkg string, matched map[string]bool) ([]target, error) {
	names, err := filepath.Glob(filepath.Join(pkg, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []target
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		if len(o.files) > 0 {
			base, path := filepath.Base(name), filepath.Clean(name)
			if !o.files[base] && !o.files[path] {
				continue
			}
			matched[base], matched[path] = true, true
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms, err := Generate(filepath.Clean(name), src)
		if err != nil {
			return nil, err
		}
		out = append(out, target{path: filepath.Clean(name), src: src, mutants: ms})
	}
	return out, nil
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/projsecret/projsecret/internal/testenv"
)

// reviewTarget is the review rate the issue asks of 20 entries on one core.
const reviewTarget = 20000

// benchLine is one line of `go test -bench` output: the benchmark and its
// metrics by unit.
type benchLine struct {
	name    string
	metrics map[string]float64
}

// parseBenchOutput reads the Benchmark lines of `go test -bench` output.
func parseBenchOutput(out []byte) []benchLine {
	var lines []benchLine
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		l := benchLine{name: f[0], metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				l.metrics[f[i+1]] = v
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// medians folds repeated runs (-count) into the median of each metric,
// keeping the benchmarks in the order they first ran.
func medians(lines []benchLine) []benchLine {
	var order []string
	values := map[string]map[string][]float64{}
	for _, l := range lines {
		if values[l.name] == nil {
			values[l.name] = map[string][]float64{}
			order = append(order, l.name)
		}
		for unit, v := range l.metrics {
			values[l.name][unit] = append(values[l.name][unit], v)
		}
	}
	out := make([]benchLine, 0, len(order))
	for _, name := range order {
		l := benchLine{name: name, metrics: map[string]float64{}}
		for unit, vs := range values[name] {
			slices.Sort(vs)
			l.metrics[unit] = vs[(len(vs)-1)/2]
		}
		out = append(out, l)
	}
	return out
}

// param reads "key=value" out of a sub-benchmark name.
func param(name, key string) string {
	for _, part := range strings.Split(name, "/") {
		if v, ok := strings.CutPrefix(part, key+"="); ok {
			return v
		}
	}
	return ""
}

// reviews is part 2: the webhook's handler benchmarks, run by go test.
func (b *Bench) reviews(ctx context.Context) error {
	args := []string{"test", "-run=^$", "-bench=^BenchmarkReview$", "-benchmem", "-cpu=1",
		"-count=" + strconv.Itoa(b.ReviewCount), "-benchtime=" + b.ReviewBenchtime, "./webhook/"}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	results := medians(parseBenchOutput(out))
	if len(results) == 0 {
		return fmt.Errorf("go %s printed no benchmark results:\n%s", strings.Join(args, " "), out)
	}
	t := &Table{
		Title: "2. Webhook cost per review (in process)",
		Notes: []string{
			fmt.Sprintf("`go %s`; medians of %d runs. The whole handler path: an HTTP request carrying the AdmissionReview JSON (objects as the API server sends them, managedFields included), the envelope and both objects (decoded in one pass by our handler, registered on controller-runtime's webhook server), the rules, the response; no TLS. allow-all is controller-runtime's admission.Webhook with a handler that allows everything: the floor of any webhook built on admission.Handler, which decodes the envelope and then each object again.", strings.Join(args, " "), b.ReviewCount),
			fmt.Sprintf("ns/op is wall time, which other load on a shared machine inflates; CPU ns/op is the process's CPU time per review, garbage collection included, and reviews/s/core is 10⁹ over it. Target: %d reviews/s/core for 20 entries.", reviewTarget),
		},
		Header: []string{"Write", "Entries", "Handler", "Review body", "ns/op", "CPU ns/op", "allocs/op", "B/op", "Reviews/s/core", "CPU ÷ allow-all"},
	}
	floor := map[string]float64{}
	for _, r := range results {
		if param(r.name, "handler") == "allow-all" {
			floor[param(r.name, "op")+"/"+param(r.name, "entries")] = r.metrics["cpu-ns/op"]
		}
	}
	for _, r := range results {
		cpu := r.metrics["cpu-ns/op"]
		perCore := "n/a"
		if cpu > 0 {
			perCore = fmt.Sprintf("%.0f", 1e9/cpu)
		}
		vsFloor := "n/a"
		if f := floor[param(r.name, "op")+"/"+param(r.name, "entries")]; f > 0 && cpu > 0 {
			vsFloor = fmt.Sprintf("%.2f×", cpu/f)
		}
		t.AddRow(param(r.name, "op"), param(r.name, "entries"), param(r.name, "handler"),
			fmt.Sprintf("%.1f KiB", r.metrics["body-bytes"]/1024), fmt.Sprintf("%.0f", r.metrics["ns/op"]), fmt.Sprintf("%.0f", cpu),
			fmt.Sprintf("%.0f", r.metrics["allocs/op"]), fmt.Sprintf("%.0f", r.metrics["B/op"]), perCore, vsFloor)
	}
	for _, r := range results {
		if param(r.name, "op") == "update" && param(r.name, "entries") == "20" && param(r.name, "handler") == "projsecret" {
			if cpu := r.metrics["cpu-ns/op"]; cpu > 0 {
				verdict := "meets"
				if 1e9/cpu < reviewTarget {
					verdict = "is below"
				}
				t.Notes = append(t.Notes, fmt.Sprintf("UPDATE of 20 entries: %.0f reviews/s/core, which %s the target of %d.", 1e9/cpu, verdict, reviewTarget))
			}
		}
	}
	return b.report.Add(t)
}

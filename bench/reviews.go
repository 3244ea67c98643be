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
	args := []string{"test", "-run=^$", "-bench=^(BenchmarkReview|BenchmarkPeakHeap)$", "-benchmem", "-cpu=1",
		"-count=" + strconv.Itoa(b.ReviewCount), "-benchtime=" + b.ReviewBenchtime, "./webhook/"}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	var results, peaks []benchLine
	for _, l := range medians(parseBenchOutput(out)) {
		if strings.HasPrefix(l.name, "BenchmarkPeakHeap") {
			peaks = append(peaks, l)
		} else {
			results = append(results, l)
		}
	}
	if len(results) == 0 || len(peaks) == 0 {
		return fmt.Errorf("go %s printed no benchmark results:\n%s", strings.Join(args, " "), out)
	}
	t := &Table{
		Title: "2. Webhook cost per review (in process)",
		Notes: []string{
			fmt.Sprintf("`go %s`; medians of %d runs. The whole handler path: an HTTP request carrying the AdmissionReview JSON (objects as the API server sends them, managedFields included), the envelope and both objects (decoded in one pass by our handler, registered on controller-runtime's webhook server), the rules, the response; no TLS. allow-all is controller-runtime's admission.Webhook with a handler that allows everything: the floor of any webhook built on admission.Handler, which decodes the envelope and then each object again. typed is our rules (Policy.Review) behind controller-runtime's typed admission.WithValidator[*corev1.Secret]: what our own envelope code buys against the framework's typed path.", strings.Join(args, " "), b.ReviewCount),
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
	if err := b.report.Add(t); err != nil {
		return err
	}
	return b.report.Add(peakHeapTable(peaks))
}

// peakHeapTable is part 2b: the heap of 32 concurrent near-limit reviews
// next to the pod's memory limit, with the default bound and without one.
func peakHeapTable(peaks []benchLine) *Table {
	t := &Table{
		Title:  "2b. Webhook memory under 32 concurrent near-limit reviews",
		Notes:  []string{"BenchmarkPeakHeap (same run): 32 UPDATE reviews of a near-limit project Secret (500 entries, values just under 1 MiB, annotations near 256 KiB; a 3.2 MiB review) sent at once to the handler as the webhook serves it (the in-flight bound over the handler), GOMEMLIMIT at the pod's limit; the peak is the largest live heap sampled every 200 µs. Busy is how many of the 32 the bound denied after --inflight-wait. B/op per review is in part 2 (entries near-limit)."},
		Header: []string{"--max-inflight", "Peak heap", "Pod memory limit", "Busy of 32"},
	}
	for _, p := range peaks {
		t.AddRow(param(p.name, "max-inflight"), fmt.Sprintf("%.1f MiB", p.metrics["peak-heap-MiB"]),
			fmt.Sprintf("%.0f MiB", p.metrics["limit-MiB"]), fmt.Sprintf("%.1f", p.metrics["busy/op"]))
	}
	return t
}

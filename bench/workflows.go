package main

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"

	"github.com/projsecret/projsecret/internal/entryfile"
	corev1 "k8s.io/api/core/v1"
)

// workflows is part 6: import of a 1,000-entry file (one guarded write of
// the whole file), and what `run` adds to starting a child process.
func (b *Bench) workflows(ctx context.Context) error {
	const ns, entries, valueSize = "bench-workflows", 1000, 64
	if err := createNamespace(ctx, b.admin, ns, nil); err != nil {
		return err
	}
	defer deleteProjects(context.WithoutCancel(ctx), b.admin, ns)

	values := make(map[string][]byte, entries)
	for i := range entries {
		values[entryKey(i)] = randomValue(valueSize)
	}
	var file bytes.Buffer
	if err := entryfile.Write(&file, values, entryfile.Env); err != nil {
		return err
	}
	// Every import goes to a project of its own, so each one creates all
	// 1,000 entries.
	var imports atomic.Int32
	importInto := func(ctx context.Context, _, _ int) error {
		project := fmt.Sprintf("imp-%d", imports.Add(1))
		return b.sh.Run(ctx, file.Bytes(), b.plugin(), "import", project, "-f", "-", "-n", ns)
	}
	s, err := projectSecret(ns, "run", b.user, 20, 32)
	if err != nil {
		return err
	}
	if err := createProjects(ctx, b.admin, []*corev1.Secret{s}); err != nil {
		return err
	}
	run := func(name string, args ...string) func(context.Context, int, int) error {
		return func(ctx context.Context, _, _ int) error { return b.sh.Run(ctx, nil, name, args...) }
	}
	variants := []Variant{
		{"`true` (the child alone)", run("true")},
		{"`kubectl-projsecret run run -- true`", run(b.plugin(), "run", "run", "-n", ns, "--", "true")},
		{"`kubectl projsecret run run -- true`", run("kubectl", "projsecret", "run", "run", "-n", ns, "--", "true")},
		{fmt.Sprintf("`kubectl-projsecret import` of %d entries", entries), importInto},
	}
	// One unmeasured run each warms caches, as in part 3.
	if _, err := Interleaved(ctx, 1, 1, 1, variants); err != nil {
		return err
	}
	results, err := Interleaved(ctx, b.WorkflowRuns, 1, 1, variants)
	if err != nil {
		return err
	}
	t := &Table{
		Title:  "6. Workflows: run start-up and a 1,000-entry import",
		Notes:  []string{fmt.Sprintf("Wall time, process start included; %d runs each, interleaved. `run` reads a project of 20 entries; its overhead is its time minus the child's alone. The import file holds %d entries of %d random bytes (env format), written in one CREATE.", b.WorkflowRuns, entries, valueSize)},
		Header: []string{"Command", "p50", "p99", "p50 over the child alone"},
	}
	base := results[0].Latency.Median()
	for _, r := range results {
		over := "—"
		if r.Name != results[0].Name && r.Name != results[len(results)-1].Name {
			over = ms(r.Latency.Median() - base)
		}
		t.AddRow(r.Name, ms(r.Latency.Median()), ms(r.Latency.P99()), over)
	}
	return b.report.Add(t)
}

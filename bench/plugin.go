package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
)

// pluginSpeed is part 3: how long a user waits for the plugin, next to
// kubectl reading the same Secret, and how many API requests each command
// costs.
func (b *Bench) pluginSpeed(ctx context.Context) error {
	const ns, project, entries = "bench-plugin", "speed", 20
	if err := createNamespace(ctx, b.admin, ns, nil); err != nil {
		return err
	}
	defer deleteProjects(context.WithoutCancel(ctx), b.admin, ns)
	s, err := projectSecret(ns, project, b.user, entries, 32)
	if err != nil {
		return err
	}
	if err := createProjects(ctx, b.admin, []*corev1.Secret{s}); err != nil {
		return err
	}
	key := entryKey(1)
	run := func(name string, args ...string) func(context.Context, int, int) error {
		return func(ctx context.Context, _, _ int) error { return b.sh.Run(ctx, nil, name, args...) }
	}
	variants := []Variant{
		{"`kubectl get secret proj-secrets-" + project + " -o json`", run("kubectl", "get", "secret", projsecret.SecretName(project), "-n", ns, "-o", "json")},
		{"`kubectl-projsecret get " + project + "`", run(b.plugin(), "get", project, "-n", ns)},
		{"`kubectl projsecret get " + project + "`", run("kubectl", "projsecret", "get", project, "-n", ns)},
		{"`kubectl-projsecret read " + project + " " + key + "`", run(b.plugin(), "read", project, key, "-n", ns)},
		{"`kubectl projsecret read " + project + " " + key + "`", run("kubectl", "projsecret", "read", project, key, "-n", ns)},
	}
	// One unmeasured run each fills kubectl's discovery cache and the page
	// cache, as on any machine where the commands were used before.
	if _, err := Interleaved(ctx, 1, 1, 1, variants); err != nil {
		return err
	}
	results, err := Interleaved(ctx, b.PluginRuns, 1, 1, variants)
	if err != nil {
		return err
	}
	t := &Table{
		Title:  "3. Plugin speed",
		Notes:  []string{fmt.Sprintf("Wall time of one command, process start included, against a project of %d entries; %d runs each, interleaved. Ratios are against `kubectl get secret`.", entries, b.PluginRuns)},
		Header: []string{"Command", "p50", "p99", "p50 ratio"},
	}
	base := results[0].Latency.Median()
	for _, r := range results {
		t.AddRow(r.Name, ms(r.Latency.Median()), ms(r.Latency.P99()), ratio(r.Latency.Median(), base))
	}
	if err := b.report.Add(t); err != nil {
		return err
	}
	return b.pluginRequests(ctx, ns, project)
}

// pluginRequests counts the API requests of each command from the API
// server's own metrics. Writes use a fresh key per trial.
func (b *Bench) pluginRequests(ctx context.Context, ns, project string) error {
	type command struct {
		name     string
		args     func(key string) []string
		stdin    []byte
		expected string
		ok       func(Requests) bool
	}
	// A write is a GET, the POST of its revision and a PUT (or POST) of
	// the project, plus one SelfSubjectReview that runs alongside the GET
	// (every 10th revision also prunes: a LIST and DELETEs, which the
	// minimum over trials leaves out); reads are one GET.
	write := func(r Requests) bool { return r.Of("secrets") <= 3 && r.Of("selfsubjectreviews") <= 1 }
	commands := []command{
		{"read", func(k string) []string { return []string{"read", project, entryKey(1)} }, nil, "1 GET", func(r Requests) bool { return r.Total() == 1 && r["GET secrets"] == 1 }},
		{"get", func(k string) []string { return []string{"get", project} }, nil, "1 GET", func(r Requests) bool { return r.Total() == 1 && r["GET secrets"] == 1 }},
		{"create", func(k string) []string { return []string{"create", project, k, "--stdin", "--description", "bench"} }, []byte("new value"), "≤ 3 + 1 SelfSubjectReview", write},
		{"set", func(k string) []string { return []string{"set", project, k, "--stdin"} }, []byte("newer value"), "≤ 3 + 1 SelfSubjectReview", write},
		{"meta", func(k string) []string { return []string{"meta", project, k, "--description", "changed"} }, nil, "≤ 3 + 1 SelfSubjectReview", write},
		{"delete", func(k string) []string { return []string{"delete", project, k} }, nil, "≤ 3 + 1 SelfSubjectReview", write},
		{"projects", func(string) []string { return []string{"projects"} }, nil, "1 LIST", func(r Requests) bool { return r.Total() == 1 && r["LIST secrets"] == 1 }},
	}
	seen := make([][]Requests, len(commands))
	// Trials run the whole create, set, meta, delete sequence on a fresh
	// key, so every command finds the state it needs.
	for trial := range b.CountTrials {
		key := fmt.Sprintf("COUNT_%d", trial)
		for i, c := range commands {
			r, err := CountRequests(ctx, b.admin, 1, func(int) error {
				args := append(c.args(key), "-n", ns)
				return b.sh.Run(ctx, c.stdin, b.plugin(), args...)
			})
			if err != nil {
				return err
			}
			seen[i] = append(seen[i], r)
		}
	}
	t := &Table{
		Title:  "3b. API requests per plugin command",
		Notes:  []string{fmt.Sprintf("Counted by the API server (`apiserver_request_total`, diffed around one run of the binary; the minimum of %d trials, which drops the server's own housekeeping).", b.CountTrials)},
		Header: []string{"Command", "Requests by verb and resource", "Total", "Expected", "Within"},
	}
	for i, c := range commands {
		r := minRequests(seen[i])
		t.AddRow("`"+c.name+"`", r, r.Total(), c.expected, yesNo(c.ok(r)))
	}
	return b.report.Add(t)
}

// plugin is the binary itself, by the path kubectl's plugin discovery
// finds it at.
func (b *Bench) plugin() string { return filepath.Join(b.binDir, "kubectl-projsecret") }

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**NO**"
}

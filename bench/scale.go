package main

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// scale is part 4: a project near the 1 MiB limit, and a thousand projects
// in one namespace or spread over ten.
func (b *Bench) scale(ctx context.Context) error {
	if err := b.bigProject(ctx); err != nil {
		return err
	}
	return b.manyProjects(ctx)
}

func (b *Bench) bigProject(ctx context.Context) error {
	const ns, valueSize = "bench-scale", 900
	if err := createNamespace(ctx, b.admin, ns, nil); err != nil {
		return err
	}
	defer deleteProjects(context.WithoutCancel(ctx), b.admin, ns)
	sizes := []struct {
		project string
		entries int
	}{{"small", 20}, {"big", 1000}}
	var secrets []*corev1.Secret
	for _, s := range sizes {
		secret, err := projectSecret(ns, s.project, b.user, s.entries, valueSize)
		if err != nil {
			return err
		}
		secrets = append(secrets, secret)
	}
	if err := createProjects(ctx, b.admin, secrets); err != nil {
		return err
	}
	big := projsecret.SizeOf(secrets[1])

	var variants []Variant
	for _, verb := range []string{"get", "set", "read"} {
		for _, s := range sizes {
			key := entryKey(s.entries / 2)
			args := []string{verb, s.project, "-n", ns}
			if verb != "get" {
				args = []string{verb, s.project, key, "-n", ns}
			}
			if verb == "set" {
				args = append(args, "--stdin")
			}
			variants = append(variants, Variant{
				Name: fmt.Sprintf("`%s` %d entries", verb, s.entries),
				Op: func(ctx context.Context, _, _ int) error {
					var stdin []byte
					if verb == "set" {
						stdin = randomValue(valueSize)
					}
					return b.sh.Run(ctx, stdin, b.plugin(), args...)
				},
			})
		}
	}
	if _, err := Interleaved(ctx, 1, 1, 1, variants); err != nil {
		return err
	}
	results, err := Interleaved(ctx, b.ScaleRuns, 1, 1, variants)
	if err != nil {
		return err
	}
	t := &Table{
		Title: "4a. Scale: a project near the size limit",
		Notes: []string{fmt.Sprintf("`kubectl-projsecret` against projects of 20 and 1,000 entries of %d-byte values (the big one holds %d KiB of values and %d KiB of entries metadata, of the 1,024 and 256 KiB limits); %d runs each, interleaved. The ratio is big over small.",
			valueSize, big.DataBytes>>10, big.AnnotationBytes>>10, b.ScaleRuns)},
		Header: []string{"Command", "p50", "p99", "p50 ratio"},
	}
	for i, r := range results {
		cmp := "1.00×"
		if i%2 == 1 {
			cmp = ratio(r.Latency.Median(), results[i-1].Latency.Median())
		}
		t.AddRow(r.Name, ms(r.Latency.Median()), ms(r.Latency.P99()), cmp)
	}
	return b.report.Add(t)
}

// manyProjects lists 1,000 projects laid out two ways, one after the other,
// so that `projects -A` sees only the layout under test.
func (b *Bench) manyProjects(ctx context.Context) error {
	const count = 1000
	t := &Table{
		Title:  "4b. Scale: listing 1,000 projects",
		Notes:  []string{fmt.Sprintf("Projects of 10 entries each. `projects` lists the current namespace, `projects -A` all of them; `kubectl get secrets` with the same label selector is the baseline. %d runs each, interleaved within a layout; requests counted as in 3b.", b.ScaleRuns)},
		Header: []string{"Layout", "Command", "Projects listed", "p50", "p99", "p50 ratio", "Requests", "One LIST"},
	}
	wire := &Table{
		Title:  "4c. Scale: bytes `projects` receives for 1,000 projects",
		Notes:  []string{"One listing each, in process through store.Client: before, a LIST of whole Secrets (values included) as JSON, as `projects` did; after, the metadata-only LIST (PartialObjectMetadataList) it makes now. Body is the response after decompression; wire is what the TCP connection carried (TLS handshake and the API server's gzip included)."},
		Header: []string{"Layout", "Command", "Projects listed", "Body before", "Body after", "Ratio", "Wire before", "Wire after", "Ratio"},
	}
	layouts := []struct {
		name       string
		namespaces int
	}{{"1 namespace", 1}, {"10 namespaces", 10}}
	for _, l := range layouts {
		var secrets []*corev1.Secret
		nsName := func(i int) string { return fmt.Sprintf("bench-projects-%d-%d", l.namespaces, i) }
		for i := range l.namespaces {
			if err := createNamespace(ctx, b.admin, nsName(i), nil); err != nil {
				return err
			}
		}
		for i := range count {
			s, err := projectSecret(nsName(i%l.namespaces), fmt.Sprintf("p%04d", i), b.user, 10, 64)
			if err != nil {
				return err
			}
			secrets = append(secrets, s)
		}
		if err := createProjects(ctx, b.admin, secrets); err != nil {
			return err
		}
		if err := b.listLayout(ctx, t, l.name, nsName(0)); err != nil {
			return err
		}
		if err := b.listBytes(ctx, wire, l.name, nsName(0)); err != nil {
			return err
		}
		for i := range l.namespaces {
			if err := deleteProjects(ctx, b.admin, nsName(i)); err != nil {
				return err
			}
		}
	}
	if err := b.report.Add(t); err != nil {
		return err
	}
	return b.report.Add(wire)
}

func (b *Bench) listLayout(ctx context.Context, t *Table, layout, ns string) error {
	type command struct {
		name, namespace string
		bin             string
		args            []string
		counted         bool
	}
	commands := []command{
		{"`kubectl get secrets -l " + projsecret.LabelProject + " -A`", metav1.NamespaceAll, "kubectl", []string{"get", "secrets", "-l", projsecret.LabelProject, "-A"}, false},
		{"`projects`", ns, b.plugin(), []string{"projects", "-n", ns}, true},
		{"`projects -A`", metav1.NamespaceAll, b.plugin(), []string{"projects", "-A"}, true},
	}
	variants := make([]Variant, len(commands))
	for i, c := range commands {
		variants[i] = Variant{c.name, func(ctx context.Context, _, _ int) error { return b.sh.Run(ctx, nil, c.bin, c.args...) }}
	}
	if _, err := Interleaved(ctx, 1, 1, 1, variants); err != nil {
		return err
	}
	results, err := Interleaved(ctx, b.ScaleRuns, 1, 1, variants)
	if err != nil {
		return err
	}
	for i, c := range commands {
		list, err := b.admin.CoreV1().Secrets(c.namespace).List(ctx, metav1.ListOptions{LabelSelector: projsecret.LabelProject})
		if err != nil {
			return fmt.Errorf("counting projects: %w", err)
		}
		reqs, oneList := "", ""
		if c.counted {
			r, err := CountRequests(ctx, b.admin, b.CountTrials, func(int) error { return b.sh.Run(ctx, nil, c.bin, c.args...) })
			if err != nil {
				return err
			}
			reqs, oneList = r.String(), yesNo(r.Total() == 1 && r["LIST secrets"] == 1)
		}
		r := results[i]
		t.AddRow(layout, c.name, len(list.Items), ms(r.Latency.Median()), ms(r.Latency.P99()),
			ratio(r.Latency.Median(), results[0].Latency.Median()), reqs, oneList)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/projsecret/projsecret/webhook"
)

const admissionEntries, admissionValueSize = 20, 64

// admissionVariant is one way a write to a project Secret is admitted.
type admissionVariant struct {
	name, label string
	// path is the webhook path the variant's reviews go to, if any.
	path string
	ns   string
	// updates holds each worker's project Secret as last written.
	updates []*corev1.Secret
	created atomic.Int64
}

// admission is part 1: what admission costs a write, with no policy, the
// cheapest possible webhook, ours, and an in-process CEL policy.
func (b *Bench) admission(ctx context.Context) error {
	wh, err := startWebhooks(ctx, b.env.Dir)
	if err != nil {
		return err
	}
	defer wh.stop()
	variants := []*admissionVariant{
		{name: "(a) no policy", label: "none"},
		{name: "(b) allow-all webhook", label: "allow", path: allowAllPath},
		{name: "(c) projsecret webhook", label: "ours", path: webhook.Path},
		{name: "(d) ValidatingAdmissionPolicy (1 CEL rule)", label: "vap"},
	}
	for _, v := range variants {
		v.ns = "bench-admission-" + v.label
		if err := createNamespace(ctx, b.admin, v.ns, map[string]string{variantLabel: v.label}); err != nil {
			return err
		}
	}
	if err := b.registerPolicies(ctx, wh); err != nil {
		return err
	}
	defer b.unregisterPolicies(context.WithoutCancel(ctx))
	// Runs first: later parts list only their own projects.
	defer func() {
		for _, v := range variants {
			_ = deleteProjects(context.WithoutCancel(ctx), b.admin, v.ns)
		}
	}()
	if err := b.waitPolicies(ctx, wh, variants); err != nil {
		return err
	}
	const workers = 16
	for _, v := range variants {
		for w := range workers {
			s, err := projectSecret(v.ns, fmt.Sprintf("u-w%02d", w), b.user, admissionEntries, admissionValueSize)
			if err != nil {
				return err
			}
			if s, err = b.admin.CoreV1().Secrets(v.ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("creating the projects to update: %w", err)
			}
			v.updates = append(v.updates, s)
		}
	}

	type config struct {
		concurrency int
		op          string
	}
	var configs []config
	for _, c := range []int{1, workers} {
		for _, op := range []string{"create", "update"} {
			configs = append(configs, config{c, op})
		}
	}
	results := make([][]Result, len(configs))
	before, err := wh.reviews(ctx)
	if err != nil {
		return err
	}
	// Rounds go around every configuration, and within one, around every
	// variant, each round starting one variant later: A B C D, B C D A, …
	// In a fixed order one variant would always run right after the same
	// other one, and so always meet the work the API server and etcd have
	// left over from its writes.
	for round := range b.AdmissionRounds {
		for i, c := range configs {
			vs := make([]Variant, len(variants))
			for j := range variants {
				v := variants[(j+round)%len(variants)]
				op := b.createOp(v)
				if c.op == "update" {
					op = b.updateOp(v)
				}
				vs[j] = Variant{Name: v.name, Op: op}
			}
			res, err := Interleaved(ctx, 1, b.AdmissionOps, c.concurrency, vs)
			if err != nil {
				return fmt.Errorf("round %d, %s at concurrency %d: %w", round+1, c.op, c.concurrency, err)
			}
			results[i] = merge(results[i], unrotate(res, round))
		}
	}
	after, err := wh.reviews(ctx)
	if err != nil {
		return err
	}
	writes := b.AdmissionRounds * b.AdmissionOps * len(configs)
	t := &Table{
		Title: "1. Admission overhead",
		Notes: []string{
			fmt.Sprintf("Creates of new project Secrets and updates of existing ones (%d entries of %d bytes, valid metadata), written by the admin with client-go, %d per variant per round, %d rounds, interleaved A B C D with each round starting one variant later. Each variant has its own namespace, selected by its webhook configuration or policy binding, so all are registered at once. Both webhooks run on one controller-runtime server (TLS, HTTP/1.1) in a process of their own; the API server calls them by URL with manifests/base's configuration.",
				admissionEntries, admissionValueSize, b.AdmissionOps, b.AdmissionRounds),
			"Throughput is writes per second of wall time within the variant's batches. Ratios are of p50: (c)/(a) is what the webhook adds to a write, (c)/(b) what our rules add to the cheapest webhook.",
		},
		Header: []string{"Concurrency", "Write", "Variant", "p50", "p99", "Throughput", "p50 ÷ (a)", "p50 ÷ (b)"},
	}
	for i, c := range configs {
		none, allow := results[i][0].Latency.Median(), results[i][1].Latency.Median()
		for _, r := range results[i] {
			p50 := r.Latency.Median()
			t.AddRow(c.concurrency, c.op, r.Name, ms(p50), ms(r.Latency.P99()), r.Throughput(), ratio(p50, none), ratio(p50, allow))
		}
	}
	var checks []string
	for _, v := range variants {
		if v.path == "" {
			continue
		}
		got := after[v.path] - before[v.path]
		checks = append(checks, fmt.Sprintf("%s answered %d reviews for %d writes", v.name, got, writes))
		if got != writes {
			t.Notes = append(t.Notes, "**Review count mismatch:** "+strings.Join(checks, "; "))
			_ = b.report.Add(t)
			return fmt.Errorf("%s answered %d reviews, want one per write (%d)", v.name, got, writes)
		}
	}
	t.Notes = append(t.Notes, "Check: "+strings.Join(checks, "; ")+".")
	return b.report.Add(t)
}

// unrotate puts the results of a round that started with variant round
// back in the variants' order.
func unrotate(res []Result, round int) []Result {
	out := make([]Result, len(res))
	for j, r := range res {
		out[(j+round)%len(res)] = r
	}
	return out
}

// merge adds the samples of one round to the totals so far.
func merge(total, round []Result) []Result {
	if total == nil {
		return round
	}
	for i, r := range round {
		total[i].Latency = append(total[i].Latency, r.Latency...)
		total[i].Ops += r.Ops
		total[i].Wall += r.Wall
	}
	return total
}

func (b *Bench) createOp(v *admissionVariant) func(context.Context, int, int) error {
	return func(ctx context.Context, _, _ int) error {
		s, err := projectSecret(v.ns, fmt.Sprintf("c%06d", v.created.Add(1)), b.user, admissionEntries, admissionValueSize)
		if err != nil {
			return err
		}
		_, err = b.admin.CoreV1().Secrets(v.ns).Create(ctx, s, metav1.CreateOptions{})
		return err
	}
}

// updateOp changes one value of the worker's project and stamps its
// metadata as the client does, so the write is valid and the webhook
// compares old and new entries as it does for real.
func (b *Bench) updateOp(v *admissionVariant) func(context.Context, int, int) error {
	return func(ctx context.Context, worker, seq int) error {
		s := v.updates[worker].DeepCopy()
		entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
		if err != nil {
			return err
		}
		key := entryKey(seq % admissionEntries)
		m := entries[key]
		m.UpdatedAt, m.UpdatedBy = projsecret.Timestamp(time.Now()), b.user
		entries[key] = m
		if s.Annotations[projsecret.AnnotationEntries], err = entries.Encode(); err != nil {
			return err
		}
		s.Data[key] = randomValue(admissionValueSize)
		if s, err = b.admin.CoreV1().Secrets(v.ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			return err
		}
		v.updates[worker] = s
		return nil
	}
}

const (
	allowConfigName = "bench-allow-all"
	oursConfigName  = "bench-projsecret"
	policyName      = "bench-key-rule"
)

func (b *Bench) registerPolicies(ctx context.Context, wh *webhookProcess) error {
	api := b.admin.AdmissionregistrationV1()
	for _, c := range []struct{ name, webhookName, path, variant string }{
		{allowConfigName, "allow-all.bench.projsecret.io", allowAllPath, "allow"},
		{oursConfigName, webhook.WebhookName, webhook.Path, "ours"},
	} {
		vwc, err := wh.webhookConfiguration(c.name, c.webhookName, c.path, c.variant)
		if err != nil {
			return err
		}
		if _, err := api.ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("registering webhook %s: %w", c.name, err)
		}
	}
	policy, binding := admissionPolicy(policyName, "vap")
	if _, err := api.ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating the ValidatingAdmissionPolicy: %w", err)
	}
	if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating the ValidatingAdmissionPolicyBinding: %w", err)
	}
	return nil
}

// unregisterPolicies leaves later parts a cluster without admission policy.
func (b *Bench) unregisterPolicies(ctx context.Context) {
	api := b.admin.AdmissionregistrationV1()
	for _, name := range []string{allowConfigName, oursConfigName} {
		_ = api.ValidatingWebhookConfigurations().Delete(ctx, name, metav1.DeleteOptions{})
	}
	_ = api.ValidatingAdmissionPolicyBindings().Delete(ctx, policyName, metav1.DeleteOptions{})
	_ = api.ValidatingAdmissionPolicies().Delete(ctx, policyName, metav1.DeleteOptions{})
}

// waitPolicies dry-runs a project Secret with a key that breaks the key
// rule (but is a valid Secret key) in each namespace until every variant is
// in force: our webhook and the policy deny it, the allow-all webhook counts
// a review, and no policy lets it through.
func (b *Bench) waitPolicies(ctx context.Context, wh *webhookProcess, variants []*admissionVariant) error {
	probe := func(ns string) error {
		s := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: projsecret.SecretName("probe"), Labels: map[string]string{projsecret.LabelProject: "probe"}},
			Data:       map[string][]byte{"bad.key": nil},
		}
		_, err := b.admin.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	}
	inForce := map[string]func() (bool, error){
		"none": func() (bool, error) { return true, nil },
		"allow": func() (bool, error) {
			before, err := wh.reviews(ctx)
			if err != nil {
				return false, err
			}
			if err := probe("bench-admission-allow"); err != nil {
				return false, fmt.Errorf("the allow-all webhook's namespace refused a write: %w", err)
			}
			after, err := wh.reviews(ctx)
			return after[allowAllPath] > before[allowAllPath], err
		},
		"ours": func() (bool, error) {
			err := probe("bench-admission-ours")
			return err != nil && strings.Contains(err.Error(), webhook.WebhookName), nil
		},
		"vap": func() (bool, error) {
			err := probe("bench-admission-vap")
			return err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy"), nil
		},
	}
	// Each variant is probed until it is in force, then the next one.
	inForceSoFar := 0
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		for ; inForceSoFar < len(variants); inForceSoFar++ {
			if ok, err := inForce[variants[inForceSoFar].label](); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil && ctx.Err() == nil && wait.Interrupted(err) {
		return fmt.Errorf("%s is not in force after 60s", variants[inForceSoFar].name)
	}
	if err != nil {
		return err
	}
	// Only now that everything else is in force does an accepted probe in
	// the no-policy namespace show that nothing reaches it.
	if err := probe("bench-admission-none"); err != nil {
		return fmt.Errorf("the no-policy namespace refused a write that only the policies refuse: %w", err)
	}
	return nil
}

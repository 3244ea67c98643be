package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// countingTransport counts the requests its client sends and the 409
// Conflict answers it gets: each 409 is a write that lost a race and was
// retried (or, once store.DefaultRetryTimeout ran out, given up).
type countingTransport struct {
	requests, conflicts atomic.Int64
}

func (c *countingTransport) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		c.requests.Add(1)
		resp, err := rt.RoundTrip(req)
		if err == nil && resp.StatusCode == http.StatusConflict {
			c.conflicts.Add(1)
		}
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// contentionRun is one measured run of all writers.
type contentionRun struct {
	latency             Samples
	wall                time.Duration
	requests, conflicts int64
	mostRetries         int64
	gaveUp              int64
	audit               audit
}

// contention is part 5: many writers on one project Secret, where every
// write races the others for the same resourceVersion, against the same
// writes spread over one project each.
func (b *Bench) contention(ctx context.Context) error {
	const ns = "bench-contention"
	if err := createNamespace(ctx, b.admin, ns, nil); err != nil {
		return err
	}
	defer deleteProjects(context.WithoutCancel(ctx), b.admin, ns)
	if err := b.checkHotProjectFits(); err != nil {
		return err
	}
	modes := []struct {
		name    string
		project func(round, writer int) string
	}{
		{"1 project", func(round, _ int) string { return fmt.Sprintf("hot-r%d", round) }},
		{fmt.Sprintf("%d projects", b.Writers), func(round, w int) string { return fmt.Sprintf("spread-r%d-w%02d", round, w) }},
	}
	runs := make([][]contentionRun, len(modes))
	for round := range b.ContentionRounds {
		for i, m := range modes {
			r, err := b.contend(ctx, ns, func(w int) string { return m.project(round, w) })
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", m.name, round+1, err)
			}
			runs[i] = append(runs[i], r)
		}
	}
	writes := b.Writers * b.SetsPerWriter
	t := &Table{
		Title: "5. Contention",
		Notes: []string{
			fmt.Sprintf("%d writers, each with its own `store.Client` and connection, each doing %d `Set` calls on %d key(s) of its own: all in one project, or each in a project of its own. %d rounds, interleaved; throughput over all rounds; 409s counted on the wire.",
				b.Writers, b.SetsPerWriter, b.KeysPerWriter, b.ContentionRounds),
			"Gave up: `Set` calls that returned an error when the client's retry budget ran out (must be 0; throughput counts only writes that landed, the Set percentiles only those too). Lost updates: every version of every project Secret is watched, and a key whose value goes back to an older write, or disappears, counts as one; so does a final value that is not the writer's last. Must be 0.",
		},
		Header: []string{"Layout", "Writes", "Throughput", "Set p50", "Set p99", "Conflicts retried", "Most retries of one Set", "Gave up", "Requests per write", "Versions watched", "Lost updates"},
	}
	var lost, gaveUp int64
	for i, m := range modes {
		var all contentionRun
		for _, r := range runs[i] {
			all.latency = append(all.latency, r.latency...)
			all.wall += r.wall
			all.requests += r.requests
			all.conflicts += r.conflicts
			all.mostRetries = max(all.mostRetries, r.mostRetries)
			all.gaveUp += r.gaveUp
			all.audit.versions += r.audit.versions
			all.audit.lost += r.audit.lost
		}
		n := writes * len(runs[i])
		lost += int64(all.audit.lost)
		gaveUp += all.gaveUp
		t.AddRow(m.name, n, perSecond(n-int(all.gaveUp), all.wall), ms(all.latency.Median()), ms(all.latency.P99()),
			all.conflicts, all.mostRetries, all.gaveUp, fmt.Sprintf("%.2f", float64(all.requests)/float64(n)), all.audit.versions, all.audit.lost)
	}
	if err := b.report.Add(t); err != nil {
		return err
	}
	switch {
	case lost > 0:
		return fmt.Errorf("%d updates were lost", lost)
	case gaveUp > 0:
		return fmt.Errorf("%d writes gave up after store.DefaultRetryTimeout (%s) of lost races", gaveUp, store.DefaultRetryTimeout)
	}
	return nil
}

// contend runs every writer at once while a watch audits every version,
// then checks the final values.
func (b *Bench) contend(ctx context.Context, ns string, project func(writer int) string) (contentionRun, error) {
	counters := make([]*countingTransport, b.Writers)
	clients := make([]*store.Client, b.Writers)
	for w := range clients {
		counter := &countingTransport{}
		counters[w] = counter
		config := rest.CopyConfig(b.config)
		config.Wrap(counter.wrap)
		// A Proxy function makes client-go build this client a transport,
		// and so a connection, of its own instead of sharing a cached one:
		// the writers are independent, as separate processes would be.
		config.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
		cs, err := kubernetes.NewForConfig(config)
		if err != nil {
			return contentionRun{}, err
		}
		clients[w] = store.NewClient(cs, ns)
	}
	projects := map[string]bool{}
	for w := range clients {
		projects[project(w)] = true
	}
	auditor, err := startAudit(ctx, b.admin, ns, projects)
	if err != nil {
		return contentionRun{}, err
	}
	defer auditor.stop()

	var (
		mu          sync.Mutex
		latency     Samples
		mostRetries int64
		gaveUp      atomic.Int64
		last        = map[string]map[string][]byte{} // project → key → last value written
		startc      = make(chan struct{})
	)
	for p := range projects {
		last[p] = map[string][]byte{}
	}
	g, gctx := errgroup.WithContext(ctx)
	for w, c := range clients {
		p := project(w)
		g.Go(func() error {
			<-startc
			for i := range b.SetsPerWriter {
				key := fmt.Sprintf("w%02d_%02d", w, i%b.KeysPerWriter)
				value := writeValue(key, i)
				t, conflicts := time.Now(), counters[w].conflicts.Load()
				_, err := c.Set(gctx, p, key, value, store.PutOptions{CreateMissing: true})
				if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
					// The client's retry budget ran out: the user sees an
					// error and nothing was written. Counted, and the writer
					// goes on, as a script would with its next key.
					gaveUp.Add(1)
					continue
				}
				if err != nil {
					return fmt.Errorf("writer %d: %w", w, err)
				}
				d, retries := time.Since(t), counters[w].conflicts.Load()-conflicts
				mu.Lock()
				last[p][key] = value
				latency = append(latency, d)
				mostRetries = max(mostRetries, retries)
				mu.Unlock()
			}
			return nil
		})
	}
	start := time.Now()
	close(startc)
	if err := g.Wait(); err != nil {
		return contentionRun{}, err
	}
	run := contentionRun{latency: latency, wall: time.Since(start), mostRetries: mostRetries, gaveUp: gaveUp.Load()}
	for _, c := range counters {
		run.requests += c.requests.Load()
		run.conflicts += c.conflicts.Load()
	}
	finalLost := 0
	for p, keys := range last {
		rv, lost, err := b.finalValues(ctx, ns, p, keys)
		if err != nil {
			return run, err
		}
		finalLost += lost
		if err := auditor.waitFor(ctx, p, rv); err != nil {
			return run, err
		}
	}
	run.audit = auditor.result()
	run.audit.lost += finalLost
	return run, nil
}

// writeValue encodes which write of key it is, so that the audit can tell
// an older value from a newer one.
func writeValue(key string, seq int) []byte {
	return append(fmt.Appendf(nil, "%s-%06d-", key, seq), randomValue(16)...)
}

// finalValues counts the keys whose stored value or metadata is not what
// the last acknowledged write put there, and keys nobody wrote. It returns
// the resourceVersion it read.
func (b *Bench) finalValues(ctx context.Context, ns, project string, want map[string][]byte) (string, int, error) {
	s, err := b.admin.CoreV1().Secrets(ns).Get(ctx, projsecret.SecretName(project), metav1.GetOptions{})
	if err != nil {
		return "", 0, fmt.Errorf("reading back project %q: %w", project, err)
	}
	entries, err := projsecret.ValidateSecret(s, projsecret.DefaultKeyRule)
	if err != nil {
		return "", 0, fmt.Errorf("project %q after the run breaks the contract: %w", project, err)
	}
	lost := 0
	for key, value := range want {
		if !bytes.Equal(s.Data[key], value) {
			lost++
		} else if m, ok := entries[key]; !ok || m.UpdatedBy != b.user {
			lost++
		}
	}
	return s.ResourceVersion, lost + max(0, len(s.Data)-len(want)), nil
}

// checkHotProjectFits fails early, with the fix, when every writer's keys
// in one project would not fit the 256 KiB annotation limit.
func (b *Bench) checkHotProjectFits() error {
	now := projsecret.Timestamp(time.Now())
	entries := projsecret.Entries{}
	for w := range b.Writers {
		for i := range b.KeysPerWriter {
			entries[fmt.Sprintf("w%02d_%02d", w, i)] = projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: b.user, UpdatedBy: b.user}
		}
	}
	encoded, err := entries.Encode()
	if err != nil {
		return err
	}
	if len(encoded) > projsecret.MaxAnnotationBytes {
		return fmt.Errorf("%d writers × %d keys need %d bytes of entries metadata in one project, over the %d-byte limit: lower -writers or -keys",
			b.Writers, b.KeysPerWriter, len(encoded), projsecret.MaxAnnotationBytes)
	}
	return nil
}

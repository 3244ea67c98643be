package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// audit is what the watch saw: how many versions, and how many times a key
// went back to an older write or disappeared.
type audit struct {
	versions, lost int
}

// auditor watches every version of the project Secrets under test. A final
// read alone only catches an update lost after the writer's last write; the
// watch sees every version the API server stored.
type auditor struct {
	w        *watchtools.RetryWatcher
	projects map[string]bool
	done     chan struct{}

	mu     sync.Mutex
	seq    map[string]map[string]int // project → key → newest write seen
	lastRV map[string]string         // project → resourceVersion of the last version seen
	audit  audit
}

func startAudit(ctx context.Context, cs kubernetes.Interface, ns string, projects map[string]bool) (*auditor, error) {
	// Project Secrets only: their revisions carry the project label too.
	selector := projsecret.LabelProject + ",!" + projsecret.LabelRevision
	list, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: selector, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("listing project secrets to start the audit watch: %w", err)
	}
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.LabelSelector = selector
		return cs.CoreV1().Secrets(ns).Watch(ctx, o)
	}}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, lw)
	if err != nil {
		return nil, fmt.Errorf("starting the audit watch: %w", err)
	}
	a := &auditor{w: w, projects: projects, done: make(chan struct{}),
		seq: map[string]map[string]int{}, lastRV: map[string]string{}}
	go a.run()
	return a, nil
}

func (a *auditor) run() {
	defer close(a.done)
	for ev := range a.w.ResultChan() {
		s, ok := ev.Object.(*corev1.Secret)
		if !ok || (ev.Type != watch.Added && ev.Type != watch.Modified) {
			continue
		}
		project := s.Labels[projsecret.LabelProject]
		if !a.projects[project] {
			continue
		}
		a.observe(project, s)
	}
}

func (a *auditor) observe(project string, s *corev1.Secret) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.audit.versions++
	a.lastRV[project] = s.ResourceVersion
	seen := a.seq[project]
	if seen == nil {
		seen = map[string]int{}
		a.seq[project] = seen
	}
	for key, newest := range seen {
		v, ok := s.Data[key]
		seq, parsed := writeSeq(v)
		if !ok || !parsed || seq < newest {
			a.audit.lost++
		}
	}
	for key, v := range s.Data {
		seq, ok := writeSeq(v)
		if prev, known := seen[key]; ok && (!known || seq > prev) {
			seen[key] = seq
		}
	}
}

// writeSeq reads the sequence number writeValue put in a value.
func writeSeq(v []byte) (int, bool) {
	parts := strings.SplitN(string(v), "-", 3)
	if len(parts) != 3 {
		return 0, false
	}
	n, err := strconv.Atoi(parts[1])
	return n, err == nil
}

// waitFor waits until the watch has delivered version rv of project.
func (a *auditor) waitFor(ctx context.Context, project, rv string) error {
	var got string
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		a.mu.Lock()
		got = a.lastRV[project]
		a.mu.Unlock()
		return got == rv, nil
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("the audit watch did not deliver version %s of project %q within 30s (last seen %q)", rv, project, got)
	}
	return err
}

func (a *auditor) result() audit {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.audit
}

func (a *auditor) stop() {
	a.w.Stop()
	<-a.done
}

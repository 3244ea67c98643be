package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/projsecret/projsecret/internal/flood"
	"github.com/projsecret/projsecret/internal/testenv"
	"github.com/projsecret/projsecret/store"
	"github.com/projsecret/projsecret/webhook"
)

// floodScenario is one kind of unauthenticated client run against the
// webhook port while genuine writes go through the API server.
type floodScenario struct {
	name string
	run  func(ctx context.Context, addr string, cfg *tls.Config) flood.Stats
}

// floodResult is what the genuine writes and the webhook saw.
type floodResult struct {
	ok, failed int
	firstErr   error
	latencies  Samples
	peakHeap   float64
	stats      flood.Stats
}

// flood is part 7: the genuine writes' success rate and latency while a
// client with no credentials floods the real webhook binary's port, and
// the webhook's peak heap, against the same writes with no flood.
func (b *Bench) flood(ctx context.Context) error {
	w, err := testenv.StartWebhook(ctx, b.Webhook, b.env.Dir, io.Discard)
	if err != nil {
		return err
	}
	defer func() { _ = w.Stop() }()
	if err := w.Register(ctx, b.admin); err != nil {
		return err
	}
	vwc, err := testenv.WebhookConfiguration(w.Port, w.CA.CertPEM)
	if err != nil {
		return err
	}
	defer func() {
		_ = b.admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.WithoutCancel(ctx), vwc.Name, metav1.DeleteOptions{})
	}()
	const ns, project = "bench-flood", "flood"
	if err := createNamespace(ctx, b.admin, ns, nil); err != nil {
		return err
	}
	defer func() { _ = deleteProjects(context.WithoutCancel(ctx), b.admin, ns) }()
	client := store.NewClient(b.admin, ns)
	if _, err := client.Set(ctx, project, "k", []byte("v0"), store.PutOptions{CreateMissing: true}); err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AddCert(w.CA.Cert)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(w.Port))
	large, err := nearLimitReview()
	if err != nil {
		return err
	}
	scenarios := []floodScenario{
		{"(a) no flood", nil},
		{fmt.Sprintf("(b) %d slow-body connections/s (7 MB declared, 1 byte sent)", b.FloodRate), func(ctx context.Context, addr string, cfg *tls.Config) flood.Stats {
			return flood.SlowBodies(ctx, addr, cfg, webhook.Path, b.FloodRate, 7_000_000, 10*time.Second)
		}},
		{fmt.Sprintf("(c) %d slow-body connections/s", 10*b.FloodRate), func(ctx context.Context, addr string, cfg *tls.Config) flood.Stats {
			return flood.SlowBodies(ctx, addr, cfg, webhook.Path, 10*b.FloodRate, 7_000_000, 10*time.Second)
		}},
		{fmt.Sprintf("(d) %d plain TCP connections/s that send nothing", 10*b.FloodRate), func(ctx context.Context, addr string, _ *tls.Config) flood.Stats {
			return flood.Silent(ctx, addr, 10*b.FloodRate, 10*time.Second)
		}},
		{fmt.Sprintf("(e) %d clients posting %.1f MiB reviews back to back", b.FloodWorkers, float64(len(large))/(1<<20)), func(ctx context.Context, addr string, cfg *tls.Config) flood.Stats {
			return flood.LargeBodies(ctx, addr, cfg, webhook.Path, b.FloodWorkers, large)
		}},
	}
	t := &Table{
		Title:  "Part 7: genuine writes while an unauthenticated client floods the webhook port",
		Header: []string{"flood", "writes ok", "p50", "p99", "webhook peak heap", "flood: opened / refused / cut off / answered"},
		Notes: []string{
			fmt.Sprintf("%d sequential `Client.Set` calls per row through the real API server and the real webhook binary (default flags), after the flood has run for 2 s.", b.FloodWrites),
			"Peak heap: the most of `go_memstats_heap_inuse_bytes` in the webhook's /metrics, sampled every 50 ms during the row.",
		},
	}
	for i, sc := range scenarios {
		res, err := b.floodRow(ctx, client, project, w.MetricsAddr, sc, addr, &tls.Config{RootCAs: pool}, i)
		if err != nil {
			return err
		}
		t.AddRow(sc.name, fmt.Sprintf("%d of %d", res.ok, res.ok+res.failed), ms(res.latencies.Median()), ms(res.latencies.P99()),
			fmt.Sprintf("%.1f MiB", res.peakHeap/(1<<20)), fmt.Sprintf("%d / %d / %d / %d", res.stats.Opened, res.stats.Refused, res.stats.CutOff, res.stats.Answered))
		if res.firstErr != nil {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: first failed write: %v", sc.name, res.firstErr))
		}
	}
	return b.report.Add(t)
}

func (b *Bench) floodRow(ctx context.Context, client *store.Client, project, metricsAddr string, sc floodScenario, addr string, cfg *tls.Config, row int) (floodResult, error) {
	var res floodResult
	floodCtx, stopFlood := context.WithCancel(ctx)
	defer stopFlood()
	var wg sync.WaitGroup
	if sc.run != nil {
		wg.Go(func() { res.stats = sc.run(floodCtx, addr, cfg) })
	}
	var peak atomic.Int64
	sampling, stopSampling := context.WithCancel(ctx)
	wg.Go(func() {
		for sampling.Err() == nil {
			if v, err := heapInuse(metricsAddr); err == nil && int64(v) > peak.Load() {
				peak.Store(int64(v))
			}
			select {
			case <-sampling.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
	}
	for i := range b.FloodWrites {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		start := time.Now()
		_, err := client.Set(wctx, project, "k", fmt.Appendf(nil, "v-%d-%d", row, i), store.PutOptions{})
		cancel()
		if err != nil {
			res.failed++
			if res.firstErr == nil {
				res.firstErr = err
			}
			continue
		}
		res.ok++
		res.latencies = append(res.latencies, time.Since(start))
	}
	stopFlood()
	stopSampling()
	wg.Wait()
	res.peakHeap = float64(peak.Load())
	return res, ctx.Err()
}

// heapInuse reads go_memstats_heap_inuse_bytes from the webhook's metrics.
func heapInuse(metricsAddr string) (float64, error) {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no go_memstats_heap_inuse_bytes in the webhook's metrics")
}

// nearLimitReview is a well-formed UPDATE review of a project Secret whose
// old and new objects are each close to the 1 MiB limit: the most work a
// single complete request can ask of the webhook.
func nearLimitReview() ([]byte, error) {
	old, err := projectSecret("bench-flood", "large", "mallory", 40, 24<<10)
	if err != nil {
		return nil, err
	}
	oldJSON, err := json.Marshal(old)
	if err != nil {
		return nil, err
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "flood",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Secret"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "secrets"},
			Name:      old.Name,
			Namespace: old.Namespace,
			Operation: admissionv1.Update,
			UserInfo:  authenticationv1.UserInfo{Username: "mallory"},
			Object:    runtime.RawExtension{Raw: oldJSON},
			OldObject: runtime.RawExtension{Raw: oldJSON},
		},
	}
	return json.Marshal(review)
}

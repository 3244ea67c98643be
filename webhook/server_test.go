package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	"github.com/projsecret/projsecret/webhook/certs"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
)

// freePorts returns n distinct ports of 127.0.0.1 that were free a moment
// ago. They cannot be handed over as listeners: controller-runtime v0.25.2
// binds its own (the webhook server's tls.Listen on Host:Port, whose
// StartedChecker dials Options.Port, so port 0 cannot work either; the
// manager's health probe listener; the metrics server's ListenConfig) and
// reads none back. startWith starts again on fresh ports when another
// process took one in between.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// Open until all are found, so the n differ.
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

type running struct {
	opts    Options
	ca      *certs.CA
	client  *http.Client
	cancel  context.CancelFunc
	done    chan error
	baseURL string
}

// start runs the whole server on 127.0.0.1 with a fresh CA, and waits until
// its /readyz passes.
func start(t *testing.T, mutate func(*Options)) *running {
	return startWith(t, &rest.Config{}, mutate)
}

func startWith(t *testing.T, cfg *rest.Config, mutate func(*Options)) *running {
	t.Helper()
	ca, err := certs.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kp, err := ca.Issue([]string{"127.0.0.1", "localhost"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := certs.WriteServing(dir, kp, ca); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		ports := freePorts(t, 3)
		o := Options{
			Host:               "127.0.0.1",
			Port:               ports[0],
			CertDir:            dir,
			Policy:             projsecret.DefaultPolicy(),
			MetricsBindAddress: "127.0.0.1:" + strconv.Itoa(ports[1]),
			ProbeBindAddress:   "127.0.0.1:" + strconv.Itoa(ports[2]),
		}
		if mutate != nil {
			mutate(&o)
		}
		r, err := runUntilReady(t, cfg, o)
		if errors.Is(err, syscall.EADDRINUSE) && attempt < 5 {
			continue
		}
		if err != nil {
			t.Fatalf("waiting for /readyz: %v", err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(ca.Cert)
		r.ca = ca
		r.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pool},
			ForceAttemptHTTP2: true,
		}}
		return r
	}
}

// runUntilReady runs the server with o until its /readyz passes, or
// returns why it stopped first.
func runUntilReady(t *testing.T, cfg *rest.Config, o Options) (*running, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{opts: o, cancel: cancel, done: make(chan error, 1), baseURL: fmt.Sprintf("https://127.0.0.1:%d", o.Port)}
	go func() { r.done <- run(ctx, cfg, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop")
		}
	})
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		select {
		case err := <-r.done:
			r.done <- err
			return false, fmt.Errorf("server stopped before it was ready: %w", err)
		default:
		}
		return probe(r.opts.ProbeBindAddress, "/readyz") == http.StatusOK, nil
	})
	return r, err
}

func (r *running) review(t *testing.T, body []byte) (*admissionv1.AdmissionResponse, *http.Response) {
	t.Helper()
	resp, err := r.client.Post(r.baseURL+Path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ar admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&ar); err != nil || ar.Response == nil {
		t.Fatalf("not an AdmissionReview: %v", err)
	}
	return ar.Response, resp
}

// probe is the status of a probe endpoint, 0 if it does not answer.
func probe(addr, path string) int {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServer(t *testing.T) {
	r := start(t, nil)

	resp, httpResp := r.review(t, review{op: del, user: "bob", old: fixtures.Edit(projectSecret(), fixtures.WithOwners("user:alice"))}.body(t, "s1"))
	if resp.Allowed || !strings.Contains(message(resp), `user "bob" is not an owner`) {
		t.Fatalf("over TLS: %+v", resp)
	}
	if httpResp.Proto != "HTTP/1.1" {
		t.Errorf("protocol %s: HTTP/2 must be off by default", httpResp.Proto)
	}
	resp, _ = r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, "s2"))
	if !resp.Allowed {
		t.Fatalf("valid create denied: %s", message(resp))
	}

	probes := "http://" + r.opts.ProbeBindAddress
	for _, path := range []string{"/healthz", "/readyz", "/readyz/webhook"} {
		if code, body := get(t, probes+path); code != http.StatusOK {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	code, body := get(t, "http://"+r.opts.MetricsBindAddress+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`projsecret_webhook_denials_total{rule="project-ownership"}`,
		`projsecret_webhook_denials_total{rule="key-naming"}`,
		`controller_runtime_webhook_requests_total{code="200",webhook="` + Path + `"}`,
		`controller_runtime_webhook_latency_seconds_bucket{webhook="` + Path + `"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}

func TestServerHTTP2Flag(t *testing.T) {
	r := start(t, func(o *Options) { o.EnableHTTP2 = true; o.MetricsBindAddress = "0" })
	_, httpResp := r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, "h2"))
	if httpResp.Proto != "HTTP/2.0" {
		t.Fatalf("protocol %s with --enable-http2", httpResp.Proto)
	}
}

// TestServerRotation replaces the serving certificate on disk (same CA) and
// expects the new one to be served while reviews keep succeeding.
func TestServerRotation(t *testing.T) {
	r := start(t, func(o *Options) { o.MetricsBindAddress = "0" })
	first := servedSerial(t, r)
	kp, err := r.ca.Issue([]string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := certs.WriteServing(r.opts.CertDir, kp, r.ca); err != nil {
		t.Fatal(err)
	}
	// A fresh connection each time, so every review is a new TLS handshake.
	err = wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		r.client.CloseIdleConnections()
		if resp, _ := r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, "rot")); !resp.Allowed {
			return false, fmt.Errorf("review during rotation denied: %s", message(resp))
		}
		return servedSerial(t, r).Cmp(first) != 0, nil
	})
	if err != nil {
		t.Fatalf("the rotated certificate was not served: %v", err)
	}
}

func servedSerial(t *testing.T, r *running) *big.Int {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(r.ca.Cert)
	conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(r.opts.Port)), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// TestServerGracefulShutdown: once ctx ends, /readyz fails at once (the
// first probe after cancel already sees it) while reviews are still
// answered for ShutdownDelay; then Run returns nil and the probes stop.
func TestServerGracefulShutdown(t *testing.T) {
	delayOver, delayAsked := make(chan time.Time), make(chan time.Duration, 1)
	r := start(t, func(o *Options) {
		o.ShutdownDelay = 3 * time.Second
		o.MetricsBindAddress = "0"
		o.delayEnds = func(d time.Duration) <-chan time.Time { delayAsked <- d; return delayOver }
	})
	r.cancel()
	if code, body := get(t, "http://"+r.opts.ProbeBindAddress+"/readyz"); code != http.StatusInternalServerError || !strings.Contains(body, "shutdown failed") {
		t.Fatalf("/readyz right after stop: %d %s, want 500 naming the shutdown check", code, body)
	}
	if code := probe(r.opts.ProbeBindAddress, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz during the shutdown delay: %d, want 200 (the pod is alive)", code)
	}
	if resp, _ := r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, "late")); !resp.Allowed {
		t.Fatalf("review during the shutdown delay: %s", message(resp))
	}
	select {
	case err := <-r.done:
		t.Fatalf("Run returned (%v) before the shutdown delay was over", err)
	default:
	}
	select {
	case d := <-delayAsked:
		if d != 3*time.Second {
			t.Errorf("the shutdown delay waited for was %s, want the configured 3s", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the shutdown delay never started")
	}
	close(delayOver)
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
		r.done <- nil
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after the shutdown delay")
	}
	if code := probe(r.opts.ProbeBindAddress, "/healthz"); code != 0 {
		t.Errorf("probes still answer (%d) after Run returned", code)
	}
}

// TestManagerNeverCallsTheAPIServer runs the whole server against an API
// server that records every request: the webhook has no credentials and
// no RBAC, so it must never send one, starting, serving or stopping.
func TestManagerNeverCallsTheAPIServer(t *testing.T) {
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		calls.Add(1)
		t.Errorf("the webhook called the API server: %s %s", req.Method, req.URL.Path)
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer api.Close()
	r := startWith(t, &rest.Config{Host: api.URL}, func(o *Options) { o.ShutdownDelay = 0 })
	if resp, _ := r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, "noapi")); !resp.Allowed {
		t.Fatalf("review denied: %s", message(resp))
	}
	r.cancel()
	if err := <-r.done; err != nil {
		t.Fatalf("Run returned %v", err)
	}
	r.done <- nil
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d requests reached the API server", n)
	}
}

func TestServerFailsWithoutCertificates(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), Options{Host: "127.0.0.1", Port: freePorts(t, 1)[0], CertDir: t.TempDir(),
			Policy: projsecret.DefaultPolicy(), MetricsBindAddress: "0", ProbeBindAddress: "127.0.0.1:0"})
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "tls.crt") {
			t.Fatalf("Run without certificates returned %v, want an error naming tls.crt", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run without certificates did not fail")
	}
}

// TestWithDefaults: each zero field gets its default, and a set one is kept.
func TestWithDefaults(t *testing.T) {
	got := Options{}.withDefaults()
	want := Options{Port: 9443, GracefulShutdownTimeout: DefaultGracefulShutdownTimeout, MaxInflight: DefaultMaxInflight, InflightWait: DefaultInflightWait, MaxConnections: DefaultMaxConnections, MaxBufferedBytes: DefaultMaxBufferedBytes}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	set := Options{Port: 1, GracefulShutdownTimeout: time.Second, MaxInflight: 2, InflightWait: time.Millisecond, MaxConnections: 3, MaxBufferedBytes: 4}
	if got := set.withDefaults(); fmt.Sprint(got) != fmt.Sprint(set) {
		t.Errorf("set options became %+v", got)
	}
}

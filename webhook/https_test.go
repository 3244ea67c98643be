package webhook

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/projsecret/projsecret/webhook/certs"
)

// openConns reads the open-connections gauge; tests run one server at a time.
func (r *running) openConns(t *testing.T) float64 {
	t.Helper()
	var m dto.Metric
	if err := openConnections.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func (r *running) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.opts.Port)) }

func (r *running) tlsConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(r.ca.Cert)
	return &tls.Config{RootCAs: pool}
}

// closedWithin reads from c until the server closes it, failing the test
// if that takes longer than limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit + 3*time.Second))
	_, err := io.Copy(io.Discard, c)
	// EOF or a reset: either way the server closed it, unless the read
	// itself timed out.
	if waited := time.Since(start); errors.Is(err, os.ErrDeadlineExceeded) || waited > limit {
		t.Errorf("the server closed the connection after %s (%v), want within %s", waited, err, limit)
	}
}

// TestServerDropsSilentClients: a TCP connection that never starts TLS,
// and a TLS one that never sends a request, are closed by the header
// deadline.
func TestServerDropsSilentClients(t *testing.T) {
	r := start(t, func(o *Options) { o.MetricsBindAddress = "0" })
	raw, err := net.Dial("tcp", r.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	closedWithin(t, raw, headerTimeout+time.Second)

	tc, err := tls.Dial("tcp", r.addr(), r.tlsConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, err := fmt.Fprintf(tc, "POST %s HTTP/1.1\r\nHost: x\r\n", Path); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, tc, headerTimeout+time.Second)
}

// TestServerBoundsConnections: with room for two connections, a third
// client is served once the longest-idle keep-alive is closed for it, and
// no more than two are ever open.
func TestServerBoundsConnections(t *testing.T) {
	r := start(t, func(o *Options) { o.MetricsBindAddress = "0"; o.MaxConnections = 2 })
	evictedBefore := counterValue(t, dropped.WithLabelValues(dropEvicted))
	body := review{op: create, user: "alice", obj: projectSecret()}.body(t, "conn")
	clients := make([]*http.Client, 3)
	for i := range clients {
		clients[i] = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: r.tlsConfig()}}
		defer clients[i].CloseIdleConnections()
		resp, err := clients[i].Post(r.baseURL+Path, "application/json", bytesReader(body))
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("client %d: HTTP %d", i, resp.StatusCode)
		}
	}
	if d := counterValue(t, dropped.WithLabelValues(dropEvicted)) - evictedBefore; d != 1 {
		t.Errorf("idle connections evicted: %v, want 1", d)
	}
	if n := r.openConns(t); n > 2 {
		t.Errorf("%v connections open, bound 2", n)
	}
}

// TestServerNeverQueuesANewcomer: at the bound, a silent connection is
// closed for the new client, which is served at once.
func TestServerNeverQueuesANewcomer(t *testing.T) {
	r := start(t, func(o *Options) { o.MetricsBindAddress = "0"; o.MaxConnections = 1 })
	hold, err := tls.Dial("tcp", r.addr(), r.tlsConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	start := time.Now()
	resp, _ := r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, "after-hold"))
	if !resp.Allowed {
		t.Fatalf("review beside a held connection: %s", message(resp))
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("waited %s for a place, want none", waited)
	}
	closedWithin(t, hold, time.Second)
}

// TestServerSurvivesAConnectFlood: plain TCP connections that never start
// TLS, opened far past the bound, keep no genuine review out.
func TestServerSurvivesAConnectFlood(t *testing.T) {
	r := start(t, func(o *Options) { o.MetricsBindAddress = "0"; o.MaxConnections = 8 })
	for range 40 {
		c, err := net.Dial("tcp", r.addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for i := range 4 {
		r.client.CloseIdleConnections() // a new connection each time
		start := time.Now()
		resp, _ := r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, fmt.Sprint("genuine-", i)))
		if !resp.Allowed {
			t.Fatalf("review %d during the connect flood: %s", i, message(resp))
		}
		if waited := time.Since(start); waited > time.Second {
			t.Errorf("review %d waited %s", i, waited)
		}
	}
	if n := r.openConns(t); n > 8 {
		t.Errorf("%v connections open, bound 8", n)
	}
}

// TestServerClosesUnreadBodies: a request to another path whose body never
// comes is not drained forever after its 404: the read backstop closes it.
func TestServerClosesUnreadBodies(t *testing.T) {
	r := start(t, func(o *Options) { o.MetricsBindAddress = "0" })
	c, err := tls.Dial("tcp", r.addr(), r.tlsConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := fmt.Fprint(c, "POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	closedWithin(t, c, headerTimeout+bodyTimeout+time.Second)
}

// TestServerFloodOfSlowBodies: many unauthenticated connections that send
// headers declaring a large body and then one byte do not keep genuine
// reviews from being answered, nor hold a review slot.
func TestServerFloodOfSlowBodies(t *testing.T) {
	r := start(t, func(o *Options) { o.MetricsBindAddress = "0"; o.MaxInflight = 2 })
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 64 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := tls.Dial("tcp", r.addr(), r.tlsConfig())
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7000000\r\n\r\n{", Path)
				select {
				case <-stop:
				case <-time.After(bodyTimeout + time.Second):
				}
				c.Close()
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(300 * time.Millisecond) // let the flood fill up
	for i := range 8 {
		resp, _ := r.review(t, review{op: create, user: "alice", obj: projectSecret()}.body(t, fmt.Sprint("genuine-", i)))
		if !resp.Allowed {
			t.Errorf("genuine review %d during the flood: %s", i, message(resp))
		}
	}
}

// TestServerClientCA: with ClientCAName, a client without a certificate
// from that CA is refused at the handshake, and one with it is served.
func TestServerClientCA(t *testing.T) {
	clientCA, err := certs.NewCA("api-server-clients")
	if err != nil {
		t.Fatal(err)
	}
	var dir string
	r := start(t, func(o *Options) {
		o.MetricsBindAddress = "0"
		o.ClientCAName = "client-ca.crt"
		dir = o.CertDir
		if err := os.WriteFile(filepath.Join(dir, "client-ca.crt"), clientCA.CertPEM, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	body := review{op: create, user: "alice", obj: projectSecret()}.body(t, "mtls")
	anon := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: r.tlsConfig()}}
	if resp, err := anon.Post(r.baseURL+Path, "application/json", bytesReader(body)); err == nil {
		resp.Body.Close()
		t.Fatalf("a client without a certificate got HTTP %d", resp.StatusCode)
	}
	kp, err := clientCA.IssueClient("kube-apiserver", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.tlsConfig()
	cfg.Certificates = []tls.Certificate{cert}
	r.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	if resp, _ := r.review(t, body); !resp.Allowed {
		t.Fatalf("the API server's client certificate: %s", message(resp))
	}
	// A certificate from another CA (the serving one) is refused too.
	other, err := r.ca.IssueClient("intruder", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherCert, _ := tls.X509KeyPair(other.CertPEM, other.KeyPEM)
	cfg2 := r.tlsConfig()
	// Certificates alone would not be sent: Go's client sends none whose
	// issuer the server does not name. Force it, as an attacker would.
	cfg2.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &otherCert, nil }
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg2}}
	if resp, err := c.Post(r.baseURL+Path, "application/json", bytesReader(body)); err == nil {
		resp.Body.Close()
		t.Fatalf("a client certificate from another CA got HTTP %d", resp.StatusCode)
	}
}

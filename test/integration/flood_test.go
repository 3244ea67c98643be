//go:build integration

package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/projsecret/projsecret/internal/flood"
	"github.com/projsecret/projsecret/webhook"
)

// TestWebhookUnderFlood: while a client with no credentials opens 40 new
// connections a second to the webhook port, each declaring a 7 MB body and
// sending one byte, every genuine write through `kubectl projsecret set`
// is reviewed and succeeds, and the webhook stays up.
func TestWebhookUnderFlood(t *testing.T) {
	w := StartWebhook(t)
	ns := namespace(t)
	mustSucceed(t, []byte("s3cr3t-flood-0"), "-n", ns, "create", "flood", "k0", "--stdin")
	reviewedBefore := w.metric(t, reviewsOK)

	// The flood trusts the webhook's CA only to get past TLS, as any pod
	// that reads the caBundle of the ValidatingWebhookConfiguration can.
	pool := x509.NewCertPool()
	pool.AddCert(w.CA.Cert)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan flood.Stats, 1)
	floodStart := time.Now()
	go func() {
		done <- flood.SlowBodies(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(w.Port)), &tls.Config{RootCAs: pool}, webhook.Path, 40, 7_000_000, 10*time.Second)
	}()
	time.Sleep(2 * time.Second) // let the flood reach its steady state

	for i := range 8 {
		start := time.Now()
		mustSucceed(t, fmt.Appendf(nil, "s3cr3t-flood-%d", i+1), "-n", ns, "set", "flood", "k0", "--stdin")
		t.Logf("set %d during the flood: %s", i+1, time.Since(start).Round(time.Millisecond))
	}
	stop()
	stats := <-done
	ran := time.Since(floodStart)
	t.Logf("flood for %s: %+v", ran.Round(time.Millisecond), stats)

	if reviewed := w.metric(t, reviewsOK) - reviewedBefore; reviewed < 8 {
		t.Errorf("the webhook reviewed %v writes during the flood, want at least 8", reviewed)
	}
	// At 40 a second for as long as it ran, give or take the ticker's
	// start and a loaded machine.
	if want := int64(0.75 * 40 * ran.Seconds()); stats.Opened < want {
		t.Errorf("the flood opened only %d connections in %s, want at least %d; it did not run as meant", stats.Opened, ran, want)
	}
	if stats.CutOff == 0 {
		t.Errorf("the webhook cut off none of the flood's %d connections", stats.Opened)
	}
	if dropped := w.metric(t, `projsecret_webhook_dropped_total{reason="slow-body"}`); dropped == 0 {
		t.Error("no slow body counted as dropped")
	}
}

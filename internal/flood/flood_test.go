package flood

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestFloods: each client does what it says against a TLS server that
// closes slow requests, and counts it.
func TestFloods(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.StartTLS()
	defer srv.Close()
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
	addr := srv.Listener.Addr().String()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	slow := SlowBodies(ctx, addr, cfg, "/x", 20, 1<<20, 10*time.Second)
	if slow.Opened < 10 || slow.CutOff < 5 || slow.MaxOpen < 2 {
		t.Errorf("slow bodies: %+v, want about 20 opened and most cut off by the server", slow)
	}

	ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	silent := Silent(ctx, addr, 20, 10*time.Second)
	if silent.Opened < 10 || silent.CutOff < 5 {
		t.Errorf("silent: %+v, want about 20 opened and most cut off by the server", silent)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	large := LargeBodies(ctx, addr, cfg, "/x", 2, make([]byte, 64<<10))
	if large.Answered < 2 || large.Requests < large.Answered {
		t.Errorf("large bodies: %+v, want requests answered", large)
	}
}

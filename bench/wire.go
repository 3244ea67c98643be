package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/projsecret/projsecret/store"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// received counts what one client read: off the TCP connections (TLS and
// any gzip included, what the network carries) and in response bodies
// after decompression (what the client decodes).
type received struct{ wire, body atomic.Int64 }

// countingReader counts the bytes read through it into n.
type countingReader struct {
	io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.Reader.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// countingConn is a connection whose reads are counted.
type countingConn struct {
	net.Conn
	counted countingReader
}

func (c countingConn) Read(p []byte) (int, error) { return c.counted.Read(p) }

// countingConfig is config with every byte read counted into r. A custom
// Dial also keeps client-go from sharing a cached transport, so each
// measurement starts on a new connection.
func countingConfig(config *rest.Config, r *received) *rest.Config {
	c := rest.CopyConfig(config)
	c.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		return countingConn{conn, countingReader{conn, &r.wire}}, nil
	}
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(req)
			if resp != nil && resp.Body != nil {
				resp.Body = struct {
					io.Reader
					io.Closer
				}{countingReader{resp.Body, &r.body}, resp.Body}
			}
			return resp, err
		})
	})
	return c
}

// projectsBytes runs the projects listing once as the plugin did before
// (whole Secrets, values included, as JSON) or does now (metadata only),
// and returns what it received.
func projectsBytes(ctx context.Context, config *rest.Config, ns string, all, metadataOnly bool) (*received, int, error) {
	r := &received{}
	c := countingConfig(config, r)
	cs, err := kubernetes.NewForConfig(c)
	if err != nil {
		return nil, 0, err
	}
	var opts []store.ClientOption
	if metadataOnly {
		md, err := metadata.NewForConfig(c)
		if err != nil {
			return nil, 0, err
		}
		opts = append(opts, store.WithMetadata(md))
	}
	client := store.NewClient(cs, ns, opts...)
	projects, err := client.Projects(ctx, all)
	if err != nil {
		return nil, 0, fmt.Errorf("listing projects: %w", err)
	}
	return r, len(projects), nil
}

// listBytes adds part 4c's rows for one layout: the bytes `projects` and
// `projects -A` receive, before (whole Secrets) and after (metadata only).
func (b *Bench) listBytes(ctx context.Context, t *Table, layout, ns string) error {
	for _, all := range []bool{false, true} {
		name := "`projects`"
		if all {
			name = "`projects -A`"
		}
		before, n, err := projectsBytes(ctx, b.config, ns, all, false)
		if err != nil {
			return err
		}
		after, _, err := projectsBytes(ctx, b.config, ns, all, true)
		if err != nil {
			return err
		}
		t.AddRow(layout, name, n,
			kib(before.body.Load()), kib(after.body.Load()), fmt.Sprintf("%.2f×", float64(after.body.Load())/float64(before.body.Load())),
			kib(before.wire.Load()), kib(after.wire.Load()), fmt.Sprintf("%.2f×", float64(after.wire.Load())/float64(before.wire.Load())))
	}
	return nil
}

func kib(n int64) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }

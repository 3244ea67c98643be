// Package flood plays the unauthenticated client that the webhook's port
// must survive, for its tests and benchmarks: anyone in the cluster can
// reach that port, and with failurePolicy Fail whatever keeps it from
// answering the API server blocks every project Secret write. It only ever
// targets an address the caller gives, which in this repository is always
// a webhook on the loopback interface.
package flood

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is what a flood managed to do.
type Stats struct {
	// Opened is how many connections it opened, Refused how many dials or
	// handshakes failed.
	Opened, Refused int64
	// CutOff is how many of its connections the server closed before the
	// flood let go of them.
	CutOff int64
	// MaxOpen is the most connections it held open at once.
	MaxOpen int64
	// Requests and Answered count the requests of LargeBodies.
	Requests, Answered int64
}

type counters struct {
	opened, refused, cutOff, open, maxOpen, requests, answered atomic.Int64
}

func (c *counters) stats() Stats {
	return Stats{Opened: c.opened.Load(), Refused: c.refused.Load(), CutOff: c.cutOff.Load(),
		MaxOpen: c.maxOpen.Load(), Requests: c.requests.Load(), Answered: c.answered.Load()}
}

func (c *counters) opening() {
	c.opened.Add(1)
	n := c.open.Add(1)
	for {
		m := c.maxOpen.Load()
		if n <= m || c.maxOpen.CompareAndSwap(m, n) {
			return
		}
	}
}

// SlowBodies opens perSecond new TLS connections a second to addr until
// ctx ends. Each sends the headers of a review declaring a body of
// declared bytes, then one byte, then nothing, and holds the connection
// until the server closes it or hold passes.
func SlowBodies(ctx context.Context, addr string, cfg *tls.Config, path string, perSecond int, declared int64, hold time.Duration) Stats {
	dial := func(ctx context.Context) (net.Conn, error) {
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 2 * time.Second}, Config: cfg}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", path, addr, declared)
		}
		return conn, err
	}
	return holdConnections(ctx, perSecond, hold, dial)
}

// Silent opens perSecond plain TCP connections a second to addr until ctx
// ends, and holds each, sending nothing, until the server closes it or
// hold passes: the cheapest way to take a place in a connection table.
func Silent(ctx context.Context, addr string, perSecond int, hold time.Duration) Stats {
	dial := func(ctx context.Context) (net.Conn, error) {
		d := net.Dialer{Timeout: 2 * time.Second}
		return d.DialContext(ctx, "tcp", addr)
	}
	return holdConnections(ctx, perSecond, hold, dial)
}

// holdConnections dials perSecond connections a second until ctx ends and
// holds each until the server closes it, hold passes or ctx ends.
func holdConnections(ctx context.Context, perSecond int, hold time.Duration, dial func(context.Context) (net.Conn, error)) Stats {
	var c counters
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return c.stats()
		case <-tick.C:
		}
		wg.Go(func() {
			conn, err := dial(ctx)
			if err != nil {
				c.refused.Add(1)
				return
			}
			c.opening()
			defer c.open.Add(-1)
			defer conn.Close()
			closed := make(chan struct{})
			go func() {
				_, _ = io.Copy(io.Discard, conn)
				close(closed)
			}()
			select {
			case <-closed:
				c.cutOff.Add(1)
			case <-time.After(hold):
			case <-ctx.Done():
			}
		})
	}
}

// LargeBodies has workers clients post body to https://addr/path as fast
// as they are answered, over keep-alive connections, until ctx ends: the
// client that sends complete, well-formed, near-limit reviews.
func LargeBodies(ctx context.Context, addr string, cfg *tls.Config, path string, workers int, body []byte) Stats {
	var c counters
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
			defer client.CloseIdleConnections()
			for ctx.Err() == nil {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+addr+path, bytes.NewReader(body))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", "application/json")
				c.requests.Add(1)
				resp, err := client.Do(req)
				if err != nil {
					c.refused.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				c.answered.Add(1)
			}
		})
	}
	wg.Wait()
	return c.stats()
}

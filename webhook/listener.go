package webhook

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimiter bounds the connections the webhook port holds open. At the
// bound, the connection that has been idle longest (a keep-alive between
// two reviews) is closed to make room: its client, the API server, opens
// a new one when it next needs it. If none is idle, Accept waits for one
// to close or go idle; every connection that is not idle is bounded in
// time by the server's header, body and write deadlines, so the wait is
// too. golang.org/x/net/netutil.LimitListener would only wait: clients
// that send one request and then idle would hold every place for
// IdleTimeout.
type connLimiter struct {
	net.Listener
	max   int
	mu    sync.Mutex
	conns map[net.Conn]connInfo
	// changed is signalled when a connection closes or goes idle.
	changed chan struct{}
	done    chan struct{}
	close   sync.Once
}

type connInfo struct {
	state   http.ConnState
	since   time.Time
	evicted bool // closed by Accept, not yet seen closed by the server
}

func newConnLimiter(l net.Listener, maxConns int) *connLimiter {
	return &connLimiter{Listener: l, max: maxConns, conns: map[net.Conn]connInfo{}, changed: make(chan struct{}, 1), done: make(chan struct{})}
}

func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	// Make room only once a client is here: Serve calls Accept again as
	// soon as it has a connection, and an idle one must not be closed
	// for a client that may never come.
	for {
		full, idle := l.full()
		if !full {
			break
		}
		if idle != nil {
			countDropped(dropEvicted)
			closeRaw(idle)
		}
		select {
		case <-l.changed:
		case <-l.done:
			closeRaw(c)
			return nil, net.ErrClosed
		}
	}
	l.mu.Lock()
	l.conns[c] = connInfo{state: http.StateNew, since: time.Now()}
	openConnections.Set(float64(len(l.conns)))
	l.mu.Unlock()
	return c, nil
}

// full reports whether the bound is reached, and if so the connection
// idle longest, if any, which it marks for eviction so that it is chosen
// only once.
func (l *connLimiter) full() (bool, net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) < l.max {
		return false, nil
	}
	var oldest net.Conn
	var since time.Time
	for c, info := range l.conns {
		if info.state == http.StateIdle && !info.evicted && (oldest == nil || info.since.Before(since)) {
			oldest, since = c, info.since
		}
	}
	if oldest != nil {
		info := l.conns[oldest]
		info.evicted = true
		l.conns[oldest] = info
	}
	return true, oldest
}

// ConnState is the http.Server's hook: it sees every connection Accept
// returned, in every state.
func (l *connLimiter) ConnState(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.conns[c]; !ok {
		return
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
		openConnections.Set(float64(len(l.conns)))
	default:
		l.conns[c] = connInfo{state: s, since: time.Now()}
		if s != http.StateIdle {
			return
		}
	}
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

func (l *connLimiter) Close() error {
	l.close.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// closeRaw closes c without a TLS close_notify, which could block on a
// client that does not read.
func closeRaw(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	_ = c.Close()
}

package webhook

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimiter bounds the connections the webhook port holds open without
// ever refusing or queueing a newcomer: at the bound, it closes one
// connection of the source address that holds the most, so that one pod
// flooding the port evicts its own connections, not the API server's.
// Within that address it closes the one idle longest (a keep-alive
// between two reviews), else the oldest that has not started a request
// (a TLS handshake or silence), else the oldest reading a request. golang.org/x/net/netutil.LimitListener would instead stop
// accepting, so that a client opening connections faster than the
// deadlines close them would queue the API server behind its own
// connections in the kernel's backlog.
type connLimiter struct {
	net.Listener
	max int
	mu  sync.Mutex
	// live counts the connections not already being closed.
	live  int
	conns map[net.Conn]*connInfo
	// perHost counts the open connections of each source address, less
	// those already being closed.
	perHost map[string]int
}

type connInfo struct {
	host    string
	state   http.ConnState
	since   time.Time
	evicted bool // closed by Accept, not yet seen closed by the server
}

func newConnLimiter(l net.Listener, maxConns int) *connLimiter {
	return &connLimiter{Listener: l, max: maxConns, conns: map[net.Conn]*connInfo{}, perHost: map[string]int{}}
}

func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.admit(c)
	return c, nil
}

// admit records c, first closing a connection if the bound is reached.
func (l *connLimiter) admit(c net.Conn) {
	host := hostOf(c.RemoteAddr())
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live >= l.max {
		if victim := l.victim(host); victim != nil {
			info := l.conns[victim]
			info.evicted = true
			l.live--
			l.perHost[info.host]--
			countDropped(dropEvicted)
			closeRaw(victim)
		}
	}
	l.conns[c] = &connInfo{host: host, state: http.StateNew, since: time.Now()}
	l.live++
	l.perHost[host]++
	openConnections.Set(float64(len(l.conns)))
}

// victim is the connection to close for a newcomer from host: one of the
// address holding the most, counting the newcomer for its own; on a tie
// another address pays, so that a newcomer is never turned away. Nil only
// when nothing is open.
func (l *connLimiter) victim(host string) net.Conn {
	top, most := host, l.perHost[host]+1
	for h, n := range l.perHost {
		if h != host && n >= most {
			top, most = h, n
		}
	}
	var best net.Conn
	var bestInfo *connInfo
	for c, info := range l.conns {
		if info.evicted || info.host != top {
			continue
		}
		if best == nil || evictFirst(info, bestInfo) {
			best, bestInfo = c, info
		}
	}
	return best
}

// evictFirst orders the connections of one address: idle ones first, then
// those that have not started a request, then those reading one; oldest
// first within each.
func evictFirst(a, b *connInfo) bool {
	if ra, rb := evictRank(a.state), evictRank(b.state); ra != rb {
		return ra < rb
	}
	return a.since.Before(b.since)
}

func evictRank(s http.ConnState) int {
	switch s {
	case http.StateIdle:
		return 0
	case http.StateNew:
		return 1
	default:
		return 2
	}
}

// ConnState is the http.Server's hook: it sees every connection Accept
// returned, in every state.
func (l *connLimiter) ConnState(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	info, ok := l.conns[c]
	if !ok {
		return
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
		if !info.evicted {
			l.live--
			l.perHost[info.host]--
		}
		if l.perHost[info.host] <= 0 {
			delete(l.perHost, info.host)
		}
		openConnections.Set(float64(len(l.conns)))
	default:
		info.state, info.since = s, time.Now()
	}
}

func hostOf(a net.Addr) string {
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}

// closeRaw closes c without a TLS close_notify, which could block on a
// client that does not read.
func closeRaw(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	_ = c.Close()
}

package webhook

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// fakeConn is a connection from addr that records whether it was closed.
type fakeConn struct {
	net.Conn
	addr   net.Addr
	closed bool
}

func (c *fakeConn) RemoteAddr() net.Addr { return c.addr }
func (c *fakeConn) Close() error         { c.closed = true; return nil }

func from(ip string) *fakeConn {
	return &fakeConn{addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}}
}

// TestConnLimiterEvictsTheBusiestHost: at the bound, the newcomer's place
// comes from the address holding the most connections, idle ones first,
// then those that have not started a request, oldest first.
func TestConnLimiterEvictsTheBusiestHost(t *testing.T) {
	l := newConnLimiter(nil, 4)
	api := from("10.0.0.1")
	attacker := []*fakeConn{from("10.9.9.9"), from("10.9.9.9"), from("10.9.9.9")}
	for _, c := range append([]*fakeConn{api}, attacker...) {
		l.admit(c)
		time.Sleep(time.Millisecond) // distinct ages
	}
	l.ConnState(api, http.StateIdle)
	l.ConnState(attacker[0], http.StateActive)
	l.ConnState(attacker[2], http.StateActive)
	// attacker[1] stays New: it goes before the Active ones, although
	// attacker[0] is older.
	newcomer := from("10.0.0.1")
	l.admit(newcomer)
	if api.closed || attacker[0].closed || !attacker[1].closed || attacker[2].closed {
		t.Errorf("closed: api %v, attacker %v %v %v; want only the attacker's New one", api.closed, attacker[0].closed, attacker[1].closed, attacker[2].closed)
	}
	l.ConnState(attacker[1], http.StateClosed)
	// Now 10.0.0.1 and 10.9.9.9 hold two each; a third from the attacker
	// makes it the busiest, and its oldest Active connection goes.
	l.admit(from("10.9.9.9"))
	if !attacker[0].closed || attacker[2].closed || api.closed {
		t.Errorf("closed: attacker %v %v, api %v; want the attacker's oldest", attacker[0].closed, attacker[2].closed, api.closed)
	}
	l.ConnState(attacker[0], http.StateClosed)
	// A host with one connection facing one that holds three loses nothing
	// to it: the busiest host pays.
	solo := from("10.5.5.5")
	l2 := newConnLimiter(nil, 3)
	crowd := []*fakeConn{from("10.7.7.7"), from("10.7.7.7"), from("10.7.7.7")}
	for _, c := range crowd {
		l2.admit(c)
		l2.ConnState(c, http.StateActive)
	}
	l2.admit(solo)
	if !crowd[0].closed {
		t.Error("a lone host's newcomer did not take the crowd's oldest place")
	}
	// On a tie the other address pays: a newcomer is never turned away.
	l3 := newConnLimiter(nil, 1)
	first := from("10.1.1.1")
	l3.admit(first)
	second := from("10.2.2.2")
	l3.admit(second)
	if !first.closed || second.closed || l3.live != 1 {
		t.Errorf("on a tie: first closed %v, newcomer closed %v, live %d", first.closed, second.closed, l3.live)
	}
	l3.ConnState(first, http.StateClosed)
	if l3.live != 1 || len(l3.conns) != 1 || l3.perHost["10.1.1.1"] != 0 {
		t.Errorf("after the evicted one closed: live %d, conns %d, hosts %v", l3.live, len(l3.conns), l3.perHost)
	}
}

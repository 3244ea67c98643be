package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// How a review's body is read before it may take a decoding slot. Anyone
// who can reach the port can open a connection, so nothing a client has
// not yet sent may hold anything scarce: a slot is taken only once the
// whole body is here, and the memory the body takes grows with the bytes
// that have arrived, never with what Content-Length promises.
const (
	// smallBody is what every request may buffer without drawing on the
	// shared budget, so a review of an ordinary project Secret never waits
	// behind large ones. Its cost is bounded by the connection bound.
	smallBody = 64 << 10
	// DefaultMaxBufferedBytes bounds the bytes that bodies beyond their
	// first smallBody hold at once, read or being judged.
	DefaultMaxBufferedBytes = 32 << 20
	// bodyTimeout bounds reading a whole body. The API server gives up
	// after timeoutSeconds (3 s) anyway.
	bodyTimeout = 2 * time.Second
	// bodyGrace and minBodyRate: after the grace, a body must keep coming
	// at the rate, so a client that trickles is dropped long before
	// bodyTimeout. The API server sends a whole body at once.
	bodyGrace   = 250 * time.Millisecond
	minBodyRate = 1 << 20 // bytes per second
	// bodyStall bounds any pause between two reads, so a client that sends
	// fast and then stops cannot hold what it sent for long.
	bodyStall = 500 * time.Millisecond
	// firstRead is the buffer a body starts with, grown as bytes arrive.
	firstRead = 4 << 10
)

// errNoRoom is a body that would take the replica past its byte budget.
var errNoRoom = errors.New("no room to buffer the request")

// bodyReader reads request bodies within deadlines and a shared budget.
type bodyReader struct {
	budget  *budget
	timeout time.Duration
	grace   time.Duration
	stall   time.Duration
	minRate int64
	now     func() time.Time
}

func newBodyReader(maxBuffered int64) *bodyReader {
	return &bodyReader{budget: newBudget(maxBuffered), timeout: bodyTimeout, grace: bodyGrace, stall: bodyStall, minRate: minBodyRate, now: time.Now}
}

// bufferedBody is a request body already read by the limiter, which the
// webhook decodes in place instead of copying it.
type bufferedBody struct {
	io.Reader
	bytes []byte
}

func (*bufferedBody) Close() error { return nil }

// read returns the body, at most maxRequestSize bytes of it (the webhook
// refuses a body of that size), and release, which gives its memory back to the
// budget once the review is answered. A client too slow for the deadlines
// gets an error wrapping os.ErrDeadlineExceeded; one whose body finds no
// room before the deadline gets errNoRoom with what arrived so far, so it
// can still be answered.
func (b *bodyReader) read(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	start := b.now()
	hard := start.Add(b.timeout)
	// paceFrom is start moved on by the time spent waiting for the budget,
	// which is the replica's doing, not the client's.
	paceFrom := start
	rc := http.NewResponseController(w)
	var held int64
	release = func() {
		if held > 0 {
			b.budget.release(held)
			held = 0
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, release, nil
	}
	declared := r.ContentLength // -1 when unknown (chunked)
	buf := make([]byte, 0, initialSize(declared))
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= maxRequestSize {
				return buf, release, nil
			}
			next := grownSize(len(buf), declared)
			if need := max(0, int64(next-smallBody)) - held; need > 0 {
				waitFrom := b.now()
				ctx, cancel := context.WithDeadline(r.Context(), hard)
				err := b.budget.acquire(ctx, need)
				cancel()
				if err != nil {
					return buf, release, errNoRoom
				}
				held += need
				waited := b.now().Sub(waitFrom)
				paceFrom, hard = paceFrom.Add(waited), hard.Add(waited)
			}
			buf = append(make([]byte, 0, next), buf...)
		}
		// A deadline that moves with the bytes received: the grace, plus
		// the time the bytes so far would take at minRate, never past
		// hard. A ResponseWriter without deadlines (a test recorder) has
		// no connection to bound.
		paced := paceFrom.Add(b.grace + time.Duration(int64(len(buf))*int64(time.Second)/b.minRate))
		_ = rc.SetReadDeadline(earliest(earliest(paced, hard), b.now().Add(b.stall)))
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, release, nil
		}
		if err != nil {
			release()
			return nil, release, fmt.Errorf("reading the request body: %w", err)
		}
	}
}

// initialSize is the first buffer: what the client declared and a byte to
// see the end in, up to firstRead; it grows as bytes arrive.
func initialSize(declared int64) int {
	if declared < 0 || declared >= firstRead {
		return firstRead
	}
	return int(declared) + 1
}

// grownSize doubles the buffer, but only up to what was declared (and a
// byte to see the end in) and up to the limit. Content-Length is never
// trusted for more than that: a client may declare anything.
func grownSize(n int, declared int64) int {
	next := 2 * n
	if declared >= int64(n) && declared < int64(next) {
		next = int(declared) + 1
	}
	return min(next, maxRequestSize)
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// budget is a byte count shared by the bodies being read or judged. It is
// not golang.org/x/sync/semaphore.Weighted, which serves waiters in order:
// one large body at the head of its queue would hold up every smaller one
// behind it, even when there is room for them. Here any waiter that fits
// takes its bytes whenever some are released.
type budget struct {
	mu       sync.Mutex
	free     int64
	released chan struct{} // closed and replaced on every release
}

func newBudget(n int64) *budget { return &budget{free: n, released: make(chan struct{})} }

func (b *budget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if n <= b.free {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		released := b.released
		b.mu.Unlock()
		select {
		case <-released:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *budget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.free {
		return false
	}
	b.free -= n
	return true
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	close(b.released)
	b.released = make(chan struct{})
}

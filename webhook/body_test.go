package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
)

// trickle yields its bytes a few at a time, then blocks until done.
type trickle struct {
	data []byte
	done chan struct{}
}

func (t *trickle) Read(p []byte) (int, error) {
	if len(t.data) == 0 {
		<-t.done
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p[:min(len(p), 3)], t.data)
	t.data = t.data[n:]
	return n, nil
}

func bodyRequest(body io.Reader, declared int64) *http.Request {
	r := httptest.NewRequest(http.MethodPost, Path, body)
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = declared
	return r
}

// TestBodyBufferFollowsArrivals: what a client declares sizes the buffer
// only up to smallBody; a claim of 7 MB followed by a few bytes holds
// nothing from the budget.
func TestBodyBufferFollowsArrivals(t *testing.T) {
	b := newBodyReader(1 << 20)
	body, release, err := b.read(httptest.NewRecorder(), bodyRequest(strings.NewReader(`{"a":1}`), 7_000_000))
	defer release()
	if err != nil || string(body) != `{"a":1}` {
		t.Fatalf("read %q, %v", body, err)
	}
	if cap(body) > smallBody {
		t.Errorf("buffer of %d bytes for a 7-byte body that claimed 7 MB", cap(body))
	}
	if !b.budget.tryAcquire(1 << 20) {
		t.Error("a small body holds part of the budget")
	}
}

// TestBodyBudgetBoundsLargeBodies: bodies beyond smallBody hold the budget
// until released; one that finds no room before its deadline is errNoRoom
// and keeps what arrived, so its UID can still be answered.
func TestBodyBudgetBoundsLargeBodies(t *testing.T) {
	b := newBodyReader(3 * smallBody)
	b.timeout = 100 * time.Millisecond
	large := bytes.Repeat([]byte("x"), 3*smallBody-10)
	first, release, err := b.read(httptest.NewRecorder(), bodyRequest(bytes.NewReader(large), int64(len(large))))
	if err != nil || len(first) != len(large) {
		t.Fatalf("the first large body: %d bytes, %v", len(first), err)
	}
	second, release2, err := b.read(httptest.NewRecorder(), bodyRequest(bytes.NewReader(large), int64(len(large))))
	release2()
	if !errors.Is(err, errNoRoom) || len(second) < smallBody {
		t.Fatalf("the second large body while the first holds the budget: %d bytes, %v; want errNoRoom after smallBody", len(second), err)
	}
	release()
	release() // twice is harmless
	third, release3, err := b.read(httptest.NewRecorder(), bodyRequest(bytes.NewReader(large), -1))
	defer release3()
	if err != nil || !bytes.Equal(third, large) {
		t.Fatalf("a large chunked body once the budget is free: %d bytes, %v", len(third), err)
	}
}

// TestBodyReadError: a body that fails (its deadline passed) is an error
// and releases what it held.
func TestBodyReadError(t *testing.T) {
	b := newBodyReader(smallBody)
	tr := &trickle{data: bytes.Repeat([]byte("y"), smallBody+100), done: make(chan struct{})}
	close(tr.done)
	_, release, err := b.read(httptest.NewRecorder(), bodyRequest(tr, -1))
	release()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want the deadline error", err)
	}
	if !b.budget.tryAcquire(smallBody) {
		t.Error("a failed body kept part of the budget")
	}
}

// TestBodyStopsAtTheLimit: a body longer than maxRequestSize is read only
// up to it, and the webhook refuses it as too large.
func TestBodyStopsAtTheLimit(t *testing.T) {
	l := limit(NewWebhook(projsecret.DefaultPolicy()), 1, time.Second, DefaultMaxBufferedBytes)
	rec := httptest.NewRecorder()
	huge := io.MultiReader(strings.NewReader(`{"apiVersion":"admission.k8s.io/v1","request":{"uid":"big"`), strings.NewReader(strings.Repeat(" ", 2*maxRequestSize)))
	l.ServeHTTP(rec, bodyRequest(huge, -1))
	ar := decodeReview(t, rec)
	if ar.Response.Allowed || ar.Response.Result.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body twice the limit: %+v", ar.Response.Result)
	}
	if !l.body.budget.tryAcquire(DefaultMaxBufferedBytes) {
		t.Error("the refused body kept part of the budget")
	}
}

// TestBusyWhenNoRoom: a review that finds no room in the budget is denied
// as busy with its UID, not dropped.
func TestBusyWhenNoRoom(t *testing.T) {
	l := limit(NewWebhook(projsecret.DefaultPolicy()), 1, time.Second, smallBody)
	l.body.timeout = 50 * time.Millisecond
	if err := l.body.budget.acquire(context.Background(), smallBody); err != nil {
		t.Fatal(err)
	}
	padded := strings.Replace(string(review{op: create, user: "alice", obj: projectSecret()}.body(t, "roomless")), `"request":{`, `"request":{"pad":"`+strings.Repeat("p", 2*smallBody)+`",`, 1)
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, bodyRequest(strings.NewReader(padded), int64(len(padded))))
	ar := decodeReview(t, rec)
	if ar.Response.Allowed || ar.Response.Result.Code != http.StatusTooManyRequests || !strings.Contains(message(ar.Response), "no room to buffer") {
		t.Fatalf("a review with no room: %+v", ar.Response.Result)
	}
}

func TestBufferSizes(t *testing.T) {
	for _, tc := range []struct {
		declared int64
		want     int
	}{{-1, firstRead}, {0, 1}, {10, 11}, {firstRead - 1, firstRead}, {firstRead, firstRead}, {1 << 30, firstRead}} {
		if got := initialSize(tc.declared); got != tc.want {
			t.Errorf("initialSize(%d) = %d, want %d", tc.declared, got, tc.want)
		}
	}
	for _, tc := range []struct {
		n        int
		declared int64
		want     int
	}{
		{smallBody, -1, 2 * smallBody},
		{smallBody, smallBody + 5, smallBody + 6},
		{smallBody, 1 << 30, 2 * smallBody},
		{smallBody, 10, 2 * smallBody}, // a declared length already passed is ignored
		{maxRequestSize - 1, -1, maxRequestSize},
	} {
		if got := grownSize(tc.n, tc.declared); got != tc.want {
			t.Errorf("grownSize(%d, %d) = %d, want %d", tc.n, tc.declared, got, tc.want)
		}
	}
}

// TestBudgetServesWhoeverFits: a waiter too large for what is free does
// not hold up a smaller one behind it, as a FIFO semaphore would.
func TestBudgetServesWhoeverFits(t *testing.T) {
	b := newBudget(100)
	if err := b.acquire(context.Background(), 60); err != nil {
		t.Fatal(err)
	}
	largeDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		largeDone <- b.acquire(ctx, 80)
	}()
	time.Sleep(20 * time.Millisecond) // the large one waits first
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := b.acquire(ctx, 30); err != nil {
		t.Fatalf("a small acquire behind a large waiter: %v", err)
	}
	b.release(90)
	if err := <-largeDone; err != nil {
		t.Fatalf("the large waiter once there was room: %v", err)
	}
	if b.tryAcquire(21) || !b.tryAcquire(20) {
		t.Error("the budget's count is off")
	}
}

// TestBudgetWaitIsNotSlowness: a body that waits for room is paced from
// when it got it, so it is read to the end and judged, not dropped as a
// slow client.
func TestBudgetWaitIsNotSlowness(t *testing.T) {
	l := limit(NewWebhook(projsecret.DefaultPolicy()), 1, time.Second, smallBody)
	l.body.timeout = 5 * time.Second
	srv := httptest.NewServer(l)
	defer srv.Close()
	if err := l.body.budget.acquire(context.Background(), smallBody); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(3*l.body.grace, func() { l.body.budget.release(smallBody) })
	padded := strings.Replace(string(review{op: create, user: "alice", obj: projectSecret()}.body(t, "waited")), `"request":{`, `"request":{"pad":"`+strings.Repeat("p", smallBody+smallBody/2)+`",`, 1)
	resp, err := http.Post(srv.URL+Path, "application/json", strings.NewReader(padded))
	if err != nil {
		t.Fatalf("a body that waited for room was dropped: %v", err)
	}
	defer resp.Body.Close()
	var ar struct {
		Response struct {
			UID     string
			Allowed bool
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&ar); err != nil || ar.Response.UID != "waited" {
		t.Fatalf("answer %+v, %v", ar, err)
	}
}

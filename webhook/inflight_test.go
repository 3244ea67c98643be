package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/projsecret/projsecret"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// blocking is a handler whose requests announce themselves on entered and
// then wait for release.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func newBlocking() *blocking {
	return &blocking{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *blocking) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	b.entered <- struct{}{}
	<-b.release
	w.WriteHeader(http.StatusOK)
}

func reviewRequest(t testing.TB, ctx context.Context, uid string) *http.Request {
	body := review{op: create, user: "alice", obj: projectSecret()}.body(t, uid)
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func decodeReview(t *testing.T, rec *httptest.ResponseRecorder) *admissionv1.AdmissionReview {
	t.Helper()
	var ar admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &ar); err != nil || ar.Response == nil {
		t.Fatalf("not an AdmissionReview (HTTP %d): %v", rec.Code, err)
	}
	return &ar
}

// TestLimitDeniesExcessAfterWaiting fills every slot, then sends one more
// review: it waits the bounded time and is denied with a message, as an
// AdmissionReview with its UID, HTTP 200; once a slot frees, the next
// review is served; afterwards no goroutine is left behind.
func TestLimitDeniesExcessAfterWaiting(t *testing.T) {
	before := runtime.NumGoroutine()
	busyBefore := counterValue(t, denials.WithLabelValues(string(RuleBusy)))
	next := newBlocking()
	const maxInflight, waitFor = 2, 50 * time.Millisecond
	h := Limit(next, maxInflight, waitFor)

	var wg sync.WaitGroup
	for range maxInflight {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), reviewRequest(t, context.Background(), "held")) })
	}
	for range maxInflight {
		<-next.entered
	}

	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, reviewRequest(t, context.Background(), "excess-1"))
	if waited := time.Since(start); waited < waitFor {
		t.Errorf("denied after %s, want a wait of %s first", waited, waitFor)
	}
	if rec.Code != http.StatusOK {
		t.Errorf("HTTP %d, want 200 carrying the denial", rec.Code)
	}
	ar := decodeReview(t, rec)
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" || ar.Response.UID != "excess-1" || ar.Response.Allowed {
		t.Fatalf("busy answer: %s %s uid %q allowed %v", ar.APIVersion, ar.Kind, ar.Response.UID, ar.Response.Allowed)
	}
	if msg := message(ar.Response); !strings.Contains(msg, "webhook is busy: 2 reviews in flight") || ar.Response.Result.Code != http.StatusTooManyRequests {
		t.Errorf("busy message %q code %d", msg, ar.Response.Result.Code)
	}
	if got := counterValue(t, denials.WithLabelValues(string(RuleBusy))) - busyBefore; got != 1 {
		t.Errorf("busy denials counted %v, want 1", got)
	}
	select {
	case <-next.entered:
		t.Fatal("the excess review reached the handler")
	default:
	}

	close(next.release)
	wg.Wait()

	// A waiter gets the first slot that frees up.
	next = newBlocking()
	waiter := httptest.NewRecorder()
	h = Limit(next, maxInflight, time.Minute)
	for range maxInflight {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), reviewRequest(t, context.Background(), "held")) })
	}
	for range maxInflight {
		<-next.entered
	}
	wg.Go(func() { h.ServeHTTP(waiter, reviewRequest(t, context.Background(), "waiter")) })
	next.release <- struct{}{}
	<-next.entered
	close(next.release)
	wg.Wait()
	if waiter.Code != http.StatusOK || waiter.Body.Len() != 0 {
		t.Errorf("the waiter was answered by the limiter (%d %q), want the handler", waiter.Code, waiter.Body)
	}
	noLeak(t, before)
}

// TestLimitWaiterGivesUp: a review whose requester goes away while waiting
// leaves without an answer and without holding a slot.
func TestLimitWaiterGivesUp(t *testing.T) {
	before := runtime.NumGoroutine()
	next := newBlocking()
	l := Limit(next, 1, time.Minute).(*limiter)
	var wg sync.WaitGroup
	wg.Go(func() { l.ServeHTTP(httptest.NewRecorder(), reviewRequest(t, context.Background(), "held")) })
	<-next.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, reviewRequest(t, ctx, "gone"))
	if rec.Body.Len() != 0 {
		t.Errorf("answered a request whose client left: %q", rec.Body)
	}
	close(next.release)
	wg.Wait()
	if n := len(l.slots); n != 0 {
		t.Errorf("%d slots still held", n)
	}
	noLeak(t, before)
}

// noLeak waits, by condition, for the goroutines started by a test to end.
func noLeak(t *testing.T, before int) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return runtime.NumGoroutine() <= before, nil
	})
	if err != nil {
		t.Errorf("goroutines: %d before, %d after", before, runtime.NumGoroutine())
	}
}

// TestLimitServesThroughWebhook: under the bound, reviews reach the
// contract and their verdict is unchanged.
func TestLimitServesThroughWebhook(t *testing.T) {
	h := Limit(NewWebhook(projsecret.DefaultPolicy()), 1, time.Second)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, reviewRequest(t, context.Background(), "ok"))
	if ar := decodeReview(t, rec); !ar.Response.Allowed || ar.Response.UID != "ok" {
		t.Fatalf("valid review through the limiter: allowed %v uid %q: %s", ar.Response.Allowed, ar.Response.UID, message(ar.Response))
	}
}

func TestPeekReview(t *testing.T) {
	for _, tc := range []struct {
		name, body, apiVersion, uid string
	}{
		{"api server order", `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u1","kind":{}}}`, "admission.k8s.io/v1", "u1"},
		{"v1beta1", `{"apiVersion":"admission.k8s.io/v1beta1","request":{"kind":{"a":[1,2]},"uid":"u2"}}`, "admission.k8s.io/v1beta1", "u2"},
		{"keys are case-sensitive", `{"apiVersion":"admission.k8s.io/v1","request":{"UID":"no","uid":"u3"}}`, "admission.k8s.io/v1", "u3"},
		{"uid beyond the peek", `{"apiVersion":"admission.k8s.io/v1","request":{"pad":"` + strings.Repeat("x", peekSize) + `","uid":"late"}}`, "admission.k8s.io/v1", ""},
		{"not JSON", `]]`, "", ""},
		{"uid not a string", `{"request":{"uid":7}}`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apiVersion, uid := peekReview(strings.NewReader(tc.body))
			if apiVersion != tc.apiVersion || string(uid) != tc.uid {
				t.Errorf("got %q %q, want %q %q", apiVersion, uid, tc.apiVersion, tc.uid)
			}
		})
	}
}

// TestSlowBodyHoldsNoSlot: a client that sends headers and then trickles
// its body never takes the only slot, is dropped once it falls behind the
// minimum rate, and a review sent meanwhile is served at once.
func TestSlowBodyHoldsNoSlot(t *testing.T) {
	wh := NewWebhook(projsecret.DefaultPolicy())
	wh.Log = logr.Discard()
	l := limit(wh, 1, 10*time.Second, DefaultMaxBufferedBytes)
	l.body.grace = 300 * time.Millisecond
	srv := httptest.NewServer(l)
	defer srv.Close()
	slowBefore := counterValue(t, dropped.WithLabelValues(dropSlow))

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7000000\r\n\r\n{", Path); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.Post(srv.URL+Path, "application/json", bytes.NewReader(review{op: create, user: "alice", obj: projectSecret()}.body(t, "beside-slow")))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ar admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&ar); err != nil || ar.Response == nil || !ar.Response.Allowed {
		t.Fatalf("review beside a slow client: %v %+v", err, ar.Response)
	}
	if waited := time.Since(start); waited >= l.body.grace {
		t.Errorf("the review waited %s beside a slow body; it should not wait for it at all", waited)
	}
	if n := len(l.slots); n != 0 {
		t.Errorf("%d slots held while only a slow body is open", n)
	}
	// The slow client is cut off: its connection reads EOF with no answer.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(conn)
	if err != nil || len(got) != 0 {
		t.Errorf("the slow client got %q, %v; want the connection closed without an answer", got, err)
	}
	if d := counterValue(t, dropped.WithLabelValues(dropSlow)) - slowBefore; d != 1 {
		t.Errorf("slow-body drops counted %v, want 1", d)
	}
}

// TestPeekReviewHalves: each way the peek gives up, alone.
func TestPeekReviewHalves(t *testing.T) {
	for _, tc := range []struct {
		name, body, apiVersion, uid string
	}{
		{"a top-level array", `[{"apiVersion":"admission.k8s.io/v1"}]`, "", ""},
		{"empty", ``, "", ""},
		{"apiVersion not a string", `{"apiVersion":1,"request":{"uid":"u"}}`, "", ""},
		{"request not an object", `{"apiVersion":"admission.k8s.io/v1","request":["uid","u"]}`, "admission.k8s.io/v1", ""},
		{"request null", `{"apiVersion":"admission.k8s.io/v1","request":null}`, "admission.k8s.io/v1", ""},
		{"request without uid", `{"apiVersion":"admission.k8s.io/v1","request":{"kind":{}}}`, "admission.k8s.io/v1", ""},
		{"request cut inside a field", `{"apiVersion":"admission.k8s.io/v1","request":{"kind":{"a":`, "admission.k8s.io/v1", ""},
		{"request cut after a key", `{"apiVersion":"admission.k8s.io/v1","request":{"kind"`, "admission.k8s.io/v1", ""},
		{"uid cut", `{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u`, "admission.k8s.io/v1", ""},
		{"cut inside another field", `{"apiVersion":"admission.k8s.io/v1","kind":"Adm`, "admission.k8s.io/v1", ""},
		{"cut after a key", `{"apiVersion":"admission.k8s.io/v1","kind"`, "admission.k8s.io/v1", ""},
		{"no request", `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}`, "admission.k8s.io/v1beta1", ""},
		{"request before apiVersion", `{"request":{"uid":"u5"},"apiVersion":"admission.k8s.io/v1"}`, "", "u5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apiVersion, uid := peekReview(strings.NewReader(tc.body))
			if apiVersion != tc.apiVersion || string(uid) != tc.uid {
				t.Errorf("got %q %q, want %q %q", apiVersion, uid, tc.apiVersion, tc.uid)
			}
		})
	}
}

// TestBusyAnswerWithoutBody: the busy answer needs no body to be written.
func TestBusyAnswerWithoutBody(t *testing.T) {
	l := Limit(http.NotFoundHandler(), 1, time.Millisecond).(*limiter)
	l.slots <- struct{}{}
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, &http.Request{Method: http.MethodPost, Header: http.Header{}})
	ar := decodeReview(t, rec)
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Response.Allowed || ar.Response.UID != "" || ar.Response.Result.Code != http.StatusTooManyRequests {
		t.Fatalf("busy answer to a request without a body: %s %+v", ar.APIVersion, ar.Response)
	}
	<-l.slots
}

// TestBusyWriteFailureLogged: a busy answer that cannot be written is
// logged, and one that is written is not.
func TestBusyWriteFailureLogged(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprint(fail), func(t *testing.T) {
			sink := &logSink{}
			l := Limit(http.NotFoundHandler(), 1, time.Millisecond).(*limiter)
			l.log = sink.logger()
			l.slots <- struct{}{}
			defer func() { <-l.slots }()
			var w http.ResponseWriter = httptest.NewRecorder()
			if fail {
				w = &failingWriter{header: http.Header{}}
			}
			l.ServeHTTP(w, reviewRequest(t, context.Background(), "b1"))
			logs := sink.String()
			if logged := strings.Contains(logs, "writing the response failed") && strings.Contains(logs, `"requestID"="b1"`); logged != fail {
				t.Errorf("write failed %v, logged %v:\n%s", fail, logged, logs)
			}
		})
	}
}

package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// peekSize is how much of a refused review's body is read to find its
// apiVersion and UID, which the API server sends first. A busy replica
// must not read the rest: a review can be 7 MiB.
const peekSize = 4 << 10

// bodyTimeout bounds reading a review's body once it holds a slot, so a
// client that trickles its body (anyone who can reach the port, not only
// the API server) cannot keep slots taken. The API server sends at most
// 7 MiB and gives up after timeoutSeconds (3 s) anyway.
const bodyTimeout = 2 * time.Second

// Limit serves next to at most maxInflight requests at once. A request
// over the bound waits up to wait for a slot; if none frees up it is
// answered with an AdmissionReview that denies the write and says the
// webhook is busy, rather than with a 5xx or a timeout, so the requester
// reads why. Waiting requests hold only their connection: their bodies
// are not read until they get a slot.
func Limit(next http.Handler, maxInflight int, wait time.Duration) http.Handler {
	return &limiter{next: next, slots: make(chan struct{}, maxInflight), wait: wait, bodyTimeout: bodyTimeout, log: logf.Log.WithName("admission")}
}

type limiter struct {
	next        http.Handler
	slots       chan struct{}
	wait        time.Duration
	bodyTimeout time.Duration
	log         logr.Logger
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case l.slots <- struct{}{}:
	default:
		t := time.NewTimer(l.wait)
		defer t.Stop()
		select {
		case l.slots <- struct{}{}:
		case <-t.C:
			l.busy(w, r)
			return
		case <-r.Context().Done():
			// The API server gave up on this review; nobody reads an answer.
			return
		}
	}
	defer func() { <-l.slots }()
	// The deadline applies to this request only: net/http sets the
	// connection's read deadline afresh for the next one. A ResponseWriter
	// without deadlines (a test recorder) has no connection to bound.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(l.bodyTimeout))
	l.next.ServeHTTP(w, r)
}

// busy denies the review. The answer carries the request's UID and
// apiVersion when they are in the first peekSize bytes, as they are in
// every review the API server sends; the API server rejects an answer
// without them, which with failurePolicy Fail denies the write too.
func (l *limiter) busy(w http.ResponseWriter, r *http.Request) {
	countDenial(RuleBusy)
	var apiVersion string
	var uid types.UID
	if r.Body != nil {
		apiVersion, uid = peekReview(r.Body)
	}
	env := envelope{APIVersion: apiVersion}
	msg := fmt.Sprintf("the projsecret webhook is busy: %d reviews in flight on this replica and none finished within %s; retry the write", cap(l.slots), l.wait)
	l.log.Info("refused a review: busy", "requestID", uid, "rule", RuleBusy, "maxInflight", cap(l.slots), "wait", l.wait)
	out := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: env.apiVersion(), Kind: "AdmissionReview"},
		Response: &admissionv1.AdmissionResponse{UID: uid, Result: &metav1.Status{
			Code: http.StatusTooManyRequests, Reason: metav1.StatusReasonTooManyRequests, Message: msg}},
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		l.log.Error(err, "writing the response failed", "requestID", uid)
	}
}

// peekReview reads the top-level apiVersion and request.uid from the start
// of an AdmissionReview, matching keys exactly as the full decoder does.
// Whatever it cannot find in the first peekSize bytes is left empty.
func peekReview(body io.Reader) (apiVersion string, uid types.UID) {
	prefix, _ := io.ReadAll(io.LimitReader(body, peekSize))
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if !openObject(dec) {
		return "", ""
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return apiVersion, ""
		}
		switch key {
		case "apiVersion":
			if dec.Decode(&apiVersion) != nil {
				return "", ""
			}
		case "request":
			if !openObject(dec) {
				return apiVersion, ""
			}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return apiVersion, ""
				}
				if k == "uid" {
					var s string
					if dec.Decode(&s) != nil {
						return apiVersion, ""
					}
					return apiVersion, types.UID(s)
				}
				if dec.Decode(&json.RawMessage{}) != nil {
					return apiVersion, ""
				}
			}
			return apiVersion, ""
		default:
			if dec.Decode(&json.RawMessage{}) != nil {
				return apiVersion, ""
			}
		}
	}
	return apiVersion, ""
}

func openObject(dec *json.Decoder) bool {
	tok, err := dec.Token()
	return err == nil && tok == json.Delim('{')
}

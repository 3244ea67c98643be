package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
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

// peekSize is how much of a refused review's body is scanned to find its
// apiVersion and UID, which the API server sends first. A busy replica
// must not parse the rest: a review can be 7 MiB.
const peekSize = 4 << 10

// Limit serves next to at most maxInflight requests at once. A request's
// whole body is read first (bodyReader: deadlines, a minimum rate and a
// byte budget), so a client that sends headers and then trickles its body
// holds no slot. A request over the bound then waits up to wait for a
// slot; if none frees up it is answered with an AdmissionReview that
// denies the write and says the webhook is busy, rather than with a 5xx
// or a timeout, so the requester reads why.
func Limit(next http.Handler, maxInflight int, wait time.Duration) http.Handler {
	return limit(next, maxInflight, wait, DefaultMaxBufferedBytes)
}

func limit(next http.Handler, maxInflight int, wait time.Duration, maxBuffered int64) *limiter {
	return &limiter{next: next, slots: make(chan struct{}, maxInflight), wait: wait, body: newBodyReader(maxBuffered), log: logf.Log.WithName("admission")}
}

type limiter struct {
	next  http.Handler
	slots chan struct{}
	wait  time.Duration
	body  *bodyReader
	log   logr.Logger
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, release, err := l.body.read(w, r)
	defer release()
	switch {
	case errors.Is(err, errNoRoom):
		countDropped(dropNoRoom)
		l.busy(w, body, fmt.Sprintf("the projsecret webhook is busy: no room to buffer this review within %s; retry the write", l.body.timeout))
		return
	case err != nil:
		// Too slow for the deadlines, or gone: the API server sends its
		// body at once, so whatever this is gets no answer.
		countDropped(dropSlow)
		panic(http.ErrAbortHandler)
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &bufferedBody{Reader: bytes.NewReader(body), bytes: body}
	}
	select {
	case l.slots <- struct{}{}:
	default:
		t := time.NewTimer(l.wait)
		defer t.Stop()
		select {
		case l.slots <- struct{}{}:
		case <-t.C:
			l.busy(w, body, fmt.Sprintf("the projsecret webhook is busy: %d reviews in flight on this replica and none finished within %s; retry the write", cap(l.slots), l.wait))
			return
		case <-r.Context().Done():
			// The API server gave up on this review; nobody reads an answer.
			return
		}
	}
	defer func() { <-l.slots }()
	l.next.ServeHTTP(w, r)
}

// busy denies the review. The answer carries the request's UID and
// apiVersion when they are in the first peekSize bytes, as they are in
// every review the API server sends; the API server rejects an answer
// without them, which with failurePolicy Fail denies the write too.
func (l *limiter) busy(w http.ResponseWriter, body []byte, msg string) {
	countDenial(RuleBusy)
	apiVersion, uid := peekReview(bytes.NewReader(body))
	env := envelope{APIVersion: apiVersion}
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

// Package webhook is the validating admission webhook for project Secrets:
// a thin adapter that decodes an AdmissionReview, asks projsecret.Policy to
// judge the write, and answers. Every rule lives in the contract package.
package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	admissionmetrics "sigs.k8s.io/controller-runtime/pkg/webhook/admission/metrics"

	"github.com/projsecret/projsecret"
)

// Path is where the server answers reviews; the ValidatingWebhookConfiguration
// in manifests/base points here.
const Path = "/validate-projsecret"

// maxRequestSize is controller-runtime's admission.Webhook limit: two
// objects of at most 3 MiB each and 1 MiB for the rest of the review.
const maxRequestSize = 7 << 20

var errTooLarge = fmt.Errorf("request entity is too large; limit is %d bytes", maxRequestSize)

// Webhook judges writes to project Secrets with Policy. It serves
// AdmissionReviews itself rather than through controller-runtime's
// admission.Webhook, whose universal deserializer reads the body twice and
// leaves the objects to be decoded a third time: here the envelope and both
// Secrets are decoded in one case-sensitive pass. It is safe for concurrent
// use and keeps no state between requests.
type Webhook struct {
	Policy projsecret.Policy
	// Log gets a line per refused review and, at V(1), per allowed one,
	// with the request UID and user; never data.
	Log logr.Logger
}

// NewWebhook serves Policy, logging as controller-runtime's admission
// webhooks do. Register it on controller-runtime's webhook.Server, which
// adds the webhook request metrics.
func NewWebhook(policy projsecret.Policy) *Webhook {
	return &Webhook{Policy: policy, Log: logf.Log.WithName("admission")}
}

var _ http.Handler = (*Webhook)(nil)

// ServeHTTP answers every request with an AdmissionReview. Anything it
// cannot read, and any panic, is refused: with failurePolicy Fail the API
// server denies the write either way, and a refusal says why.
func (wh *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"}}
	body, status, err := readBody(r)
	if err != nil {
		wh.Log.Info("refused an unreadable request", "rule", RuleInvalidRequest, "reason", err.Error())
		out.Response = errored(status, err)
	} else {
		out.Response, out.APIVersion = wh.safeAnswer(body)
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		wh.Log.Error(err, "writing the response failed", "requestID", out.Response.UID)
	}
}

// readBody enforces what the API server always sends: a JSON body of at
// most maxRequestSize bytes.
func readBody(r *http.Request) ([]byte, int32, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, http.StatusBadRequest, errors.New("request body is empty")
	}
	defer r.Body.Close()
	if b, ok := r.Body.(*bufferedBody); ok {
		// Limit has read it already, within its bounds: no second copy.
		if len(b.bytes) >= maxRequestSize {
			return nil, http.StatusRequestEntityTooLarge, errTooLarge
		}
		return b.bytes, http.StatusBadRequest, checkContentType(r)
	}
	limited := &io.LimitedReader{R: r.Body, N: maxRequestSize}
	// The API server sends Content-Length: read into one buffer of that
	// size rather than letting io.ReadAll grow one by doubling, which
	// allocates about twice the body (a third of a near-limit review's
	// allocation). A wrong length only costs a regrowth; the limit holds.
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n < maxRequestSize {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(limited)
	body := buf.Bytes()
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("reading the request body: %w", err)
	}
	if limited.N <= 0 {
		return nil, http.StatusRequestEntityTooLarge, errTooLarge
	}
	return body, http.StatusBadRequest, checkContentType(r)
}

func checkContentType(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("contentType=%s, expected application/json", ct)
	}
	return nil
}

// safeAnswer turns a panic into a refusal that still carries the request's
// UID, and counts it with controller-runtime's webhook panics.
func (wh *Webhook) safeAnswer(body []byte) (resp *admissionv1.AdmissionResponse, apiVersion string) {
	var uid string
	defer func() {
		if p := recover(); p != nil {
			admissionmetrics.WebhookPanics.WithLabelValues().Inc()
			wh.Log.Info("refused a review after a panic", "requestID", uid, "rule", RuleInvalidRequest, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, apiVersion = errored(http.StatusInternalServerError, errors.New("internal error while reviewing [panic recovered]")), admissionv1.SchemeGroupVersion.String()
			resp.UID = types.UID(uid)
		}
	}()
	return wh.answer(body, &uid)
}

// answer decodes and judges one AdmissionReview body. uid is set as soon
// as the request's UID is known, for safeAnswer.
func (wh *Webhook) answer(body []byte, uid *string) (*admissionv1.AdmissionResponse, string) {
	env, err := decodeEnvelope(body)
	apiVersion := env.apiVersion()
	req := env.Request
	*uid = string(req.UID)
	var w projsecret.Write
	if err == nil {
		w, err = writeOf(req)
	}
	if err != nil {
		countDenial(RuleInvalidRequest)
		wh.requestLog(req).Info("refused an unreadable review", "rule", RuleInvalidRequest, "reason", err.Error())
		resp := errored(http.StatusBadRequest, err)
		resp.UID = req.UID
		return resp, apiVersion
	}
	warnings, err := wh.Policy.Review(w)
	if err != nil {
		rules := deniedRules(err)
		for _, r := range rules {
			countDenial(r)
		}
		wh.requestLog(req).Info("denied", "rules", rules, "reason", err.Error())
		return &admissionv1.AdmissionResponse{UID: req.UID, Result: &metav1.Status{Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden, Message: err.Error()}}, apiVersion
	}
	// Allowed reviews are not logged by default and do not pay for the
	// fields they never print.
	if log := wh.Log.V(1); log.Enabled() {
		wh.requestLog(req).V(1).Info("allowed", "warnings", len(warnings))
	}
	return &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true, Result: &metav1.Status{Code: http.StatusOK}, Warnings: warnings}, apiVersion
}

// requestLog names the review the way controller-runtime's admission
// webhooks do, plus what the decision depends on; never data.
func (wh *Webhook) requestLog(req *admissionRequest) logr.Logger {
	dryRun := req.DryRun != nil && *req.DryRun
	return wh.Log.WithValues("requestID", req.UID, "user", req.UserInfo.Username,
		"namespace", req.Namespace, "name", req.Name, "operation", req.Operation, "dryRun", dryRun)
}

func errored(code int32, err error) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Result: &metav1.Status{Code: code, Message: err.Error()}}
}

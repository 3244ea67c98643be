// Package webhook is the validating admission webhook for project Secrets:
// a thin adapter that decodes an AdmissionReview, asks projsecret.Policy to
// judge the write, and answers. Every rule lives in the contract package.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	sigsjson "sigs.k8s.io/json"

	"github.com/projsecret/projsecret"
)

// Path is where the server answers reviews; the ValidatingWebhookConfiguration
// in manifests/base points here.
const Path = "/validate-projsecret"

// Handler judges writes to project Secrets with Policy. It is safe for
// concurrent use and keeps no state between requests.
type Handler struct {
	Policy projsecret.Policy
}

// NewWebhook wraps h in controller-runtime's admission.Webhook, which reads
// and limits the HTTP body, decodes the AdmissionReview envelope, recovers
// panics (as an error, so a denial) and writes the response.
func NewWebhook(policy projsecret.Policy) *admission.Webhook {
	return &admission.Webhook{Handler: &Handler{Policy: policy}}
}

var _ admission.Handler = (*Handler)(nil)

// Handle implements admission.Handler. Anything it cannot read is refused:
// with failurePolicy Fail the API server denies the write either way, and a
// refusal says why.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	// The logger already names the request UID, user and object; the
	// operation is added per line, as allowed reviews are not logged at all
	// by default and should not pay for fields they never print.
	log := logf.FromContext(ctx)
	dryRun := req.DryRun != nil && *req.DryRun
	w, err := writeOf(req)
	if err != nil {
		countDenial(RuleInvalidRequest)
		log.Info("refused an unreadable review", "operation", req.Operation, "dryRun", dryRun, "rule", RuleInvalidRequest, "reason", err.Error())
		return admission.Errored(http.StatusBadRequest, err)
	}
	warnings, err := h.Policy.Review(w)
	if err != nil {
		rules := deniedRules(err)
		for _, r := range rules {
			countDenial(r)
		}
		log.Info("denied", "operation", req.Operation, "dryRun", dryRun, "rules", rules, "reason", err.Error())
		return admission.Denied(err.Error())
	}
	if log := log.V(1); log.Enabled() {
		log.Info("allowed", "operation", req.Operation, "dryRun", dryRun, "warnings", len(warnings))
	}
	return admission.Allowed("").WithWarnings(warnings...)
}

// writeOf turns a review into the contract's Write, decoding each object
// once. It checks what the API server always sends, so a request built by
// anyone else cannot slip past the rules by leaving something out.
func writeOf(req admission.Request) (projsecret.Write, error) {
	if req.Kind.Group != "" || req.Kind.Version != "v1" || req.Kind.Kind != "Secret" {
		return projsecret.Write{}, fmt.Errorf("this webhook reviews v1 Secrets only, not %q", kindString(req.Kind.Group, req.Kind.Version, req.Kind.Kind))
	}
	if req.SubResource != "" {
		return projsecret.Write{}, fmt.Errorf("this webhook reviews writes to Secrets, not to subresource %q", req.SubResource)
	}
	if req.UserInfo.Username == "" {
		return projsecret.Write{}, errors.New("the review names no user: cannot judge ownership or authorship")
	}
	w := projsecret.Write{User: req.UserInfo.Username, Groups: req.UserInfo.Groups}
	var err error
	switch req.Operation {
	case admissionv1.Create:
		w.Operation = projsecret.Create
		w.New, err = decodeSecret("object", req.Object.Raw)
	case admissionv1.Update:
		w.Operation = projsecret.Update
		if w.New, err = decodeSecret("object", req.Object.Raw); err == nil {
			w.Old, err = decodeSecret("oldObject", req.OldObject.Raw)
		}
	case admissionv1.Delete:
		// The API server sends the Secret being deleted as oldObject only.
		w.Operation = projsecret.Delete
		w.Old, err = decodeSecret("oldObject", req.OldObject.Raw)
	default:
		return w, fmt.Errorf("operation %q is not reviewed: expected CREATE, UPDATE or DELETE", req.Operation)
	}
	if err != nil {
		return w, fmt.Errorf("%s request: %w", req.Operation, err)
	}
	return w, nil
}

// decodeSecret reads an embedded object the way the API server writes it:
// case-sensitive JSON. A syntax error is reported by offset only, since the
// text around it may be part of a value.
func decodeSecret(field string, raw []byte) (*corev1.Secret, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s is missing", field)
	}
	s := &corev1.Secret{}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, s); err != nil {
		if isSyntax, offset := sigsjson.SyntaxErrorOffset(err); isSyntax {
			return nil, fmt.Errorf("%s is not valid JSON (syntax error at byte %d)", field, offset)
		}
		// Another kind fails on its own fields first; name the kind instead.
		var tm metav1.TypeMeta
		if sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &tm) == nil && !isSecret(tm) {
			return nil, fmt.Errorf("%s is a %s, expected a v1 Secret", field, kindString("", tm.APIVersion, tm.Kind))
		}
		return nil, fmt.Errorf("%s is not a v1 Secret: %w", field, err)
	}
	if !isSecret(s.TypeMeta) {
		return nil, fmt.Errorf("%s is a %s, expected a v1 Secret", field, kindString("", s.APIVersion, s.Kind))
	}
	return s, nil
}

// isSecret accepts an object without apiVersion and kind: the review's own
// kind already says Secret.
func isSecret(tm metav1.TypeMeta) bool {
	return (tm.APIVersion == "" || tm.APIVersion == "v1") && (tm.Kind == "" || tm.Kind == "Secret")
}

func kindString(group, version, kind string) string {
	gv := version
	if group != "" {
		gv = group + "/" + version
	}
	if gv == "" {
		return kind
	}
	return gv + " " + kind
}

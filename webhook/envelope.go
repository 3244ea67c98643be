package webhook

import (
	"errors"
	"fmt"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/jsonerr"
)

// envelope is an AdmissionReview as the webhook reads it: v1 and v1beta1
// have the same fields.
type envelope struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Request    *admissionRequest `json:"request"`
}

// admissionRequest is the part of an admissionv1.AdmissionRequest the
// webhook reads, with the objects decoded as Secrets in the same pass.
type admissionRequest struct {
	UID         types.UID               `json:"uid"`
	Kind        metav1.GroupVersionKind `json:"kind"`
	SubResource string                  `json:"subResource"`
	Name        string                  `json:"name"`
	Namespace   string                  `json:"namespace"`
	Operation   admissionv1.Operation   `json:"operation"`
	UserInfo    authnv1.UserInfo        `json:"userInfo"`
	Object      *corev1.Secret          `json:"object"`
	OldObject   *corev1.Secret          `json:"oldObject"`
	DryRun      *bool                   `json:"dryRun"`
}

var v1beta1 = admissionv1.SchemeGroupVersion.Group + "/v1beta1"

// apiVersion is the AdmissionReview version to answer in: the request's,
// which the API server insists on, or v1.
func (e *envelope) apiVersion() string {
	if e.APIVersion == v1beta1 {
		return v1beta1
	}
	return admissionv1.SchemeGroupVersion.String()
}

// decodeEnvelope reads body in one pass with JSON v2. Like the API
// server's own decoder it is case-sensitive, so a field in another case
// (Data for data) is ignored rather than read. It refuses invalid UTF-8,
// which the API server never sends.
//
// Unknown fields are ignored, in the envelope and in the objects, on
// purpose: newer API servers add fields to AdmissionReview (requestKind,
// options and others were added to v1 over time) and to Secrets, and
// refusing them would make this fail-closed webhook deny every Secret
// write after an API server upgrade, until it is rebuilt. An unknown field
// cannot change a verdict, since only the fields read here are judged, and
// checkRequest insists on those the API server always sends. (The fuzz
// seed with an unknown request field "" is such a review.)
//
// Duplicate names are not refused either (the last one counts, as
// before): the API server encodes the review from objects it holds, so it
// never sends one, and only the API server acts on the answer. Refusing
// them would cost a map of every name of each large object (data, the
// managed fields). What users write into the entries annotation is read
// strictly, duplicates refused, by the contract.
// The returned envelope always has a Request.
func decodeEnvelope(body []byte) (*envelope, error) {
	env := &envelope{}
	err := jsonv2.Unmarshal(body, env, decodeOptions)
	if env.Request == nil {
		env.Request = &admissionRequest{}
	}
	if err != nil {
		// What was decoded before the error is of no use, and explain
		// decodes the objects again: the two must not be held at once.
		env.Request.Object, env.Request.OldObject = nil, nil
		return env, explain(body, err)
	}
	if env.Kind != "AdmissionReview" || (env.APIVersion != admissionv1.SchemeGroupVersion.String() && env.APIVersion != v1beta1) {
		return env, fmt.Errorf("the body is not an admission.k8s.io/v1 or v1beta1 AdmissionReview (apiVersion %q, kind %q)", env.APIVersion, env.Kind)
	}
	return env, nil
}

// decodeOptions are JSON v2's defaults (case-sensitive names, invalid
// UTF-8 refused, unknown fields ignored), duplicate names allowed (see
// decodeEnvelope), and the managed fields skipped: they are the API
// server's bookkeeping, which no rule reads (see projsecret's unreleased),
// and in a project Secret they name every key, so reading them cost as
// much as the data. They must still be valid JSON.
var decodeOptions = jsonv2.JoinOptions(
	jsonv2.WithUnmarshalers(jsonv2.JoinUnmarshalers(
		jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *[]metav1.ManagedFieldsEntry) error {
			return dec.SkipValue()
		}),
		jsonv2.UnmarshalFromFunc(readStringMap),
		jsonv2.UnmarshalFromFunc(readBytesMap),
	)),
	jsontext.AllowDuplicateNames(true),
)

// lenientOptions read a body that failed decodeOptions far enough to
// find the objects in it, so each can be judged apart.
var lenientOptions = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// syntaxOf reads raw as JSON text only: JSON v2 decodes as it reads, so
// a value it cannot take is reported before a syntax error after it.
func syntaxOf(raw []byte) error {
	var v jsontext.Value
	return jsonv2.Unmarshal(raw, &v, lenientOptions)
}

// rawReview is an AdmissionReview with its objects left undecoded.
type rawReview struct {
	Request *rawRequest `json:"request"`
}

type rawRequest struct {
	Kind        metav1.GroupVersionKind `json:"kind"`
	SubResource string                  `json:"subResource"`
	Operation   admissionv1.Operation   `json:"operation"`
	UserInfo    authnv1.UserInfo        `json:"userInfo"`
	Object      jsontext.Value          `json:"object"`
	OldObject   jsontext.Value          `json:"oldObject"`
}

// explain says why a body did not decode. It is the slow path, for what the
// API server never sends: it decodes the objects one by one to name the
// one at fault and what is wrong with it.
func explain(body []byte, err error) error {
	if offset, isSyntax := jsonerr.SyntaxOffset(syntaxOf(body)); isSyntax {
		// The text around a syntax error may be part of a value.
		return fmt.Errorf("the body is not valid JSON (syntax error at byte %d)", offset)
	}
	var ar rawReview
	if jsonv2.Unmarshal(body, &ar, lenientOptions) == nil && ar.Request != nil {
		if err := explainRequest(ar.Request); err != nil {
			return err
		}
	}
	if offset, isSyntax := jsonerr.SyntaxOffset(err); isSyntax {
		// JSON text only in the lenient reading: invalid UTF-8, which
		// JSON is not.
		return fmt.Errorf("the body is not valid JSON (syntax error at byte %d)", offset)
	}
	return fmt.Errorf("the body is not an AdmissionReview: %s", jsonerr.Describe(err))
}

// explainRequest names what is wrong with a request that the lenient
// reading decoded: what checkRequest refuses, or the object at fault.
func explainRequest(r *rawRequest) error {
	op := r.Operation
	req := &admissionRequest{Kind: r.Kind, SubResource: r.SubResource, Operation: op, UserInfo: r.UserInfo}
	if err := checkRequest(req); err != nil {
		return err
	}
	for _, o := range []struct {
		field string
		raw   []byte
	}{{"object", r.Object}, {"oldObject", r.OldObject}} {
		// A null object decodes as an empty Secret, which is not at fault.
		if len(o.raw) > 0 {
			if _, err := decodeSecret(o.field, o.raw); err != nil {
				return fmt.Errorf("%s request: %w", op, err)
			}
		}
	}
	return nil
}

// checkRequest checks what the API server always sends, so a request built
// by anyone else cannot slip past the rules by leaving something out.
func checkRequest(req *admissionRequest) error {
	if req.Kind.Group != "" || req.Kind.Version != "v1" || req.Kind.Kind != "Secret" {
		return fmt.Errorf("this webhook reviews v1 Secrets only, not %q", kindString(req.Kind.Group, req.Kind.Version, req.Kind.Kind))
	}
	if req.SubResource != "" {
		return fmt.Errorf("this webhook reviews writes to Secrets, not to subresource %q", req.SubResource)
	}
	if req.UserInfo.Username == "" {
		return errors.New("the review names no user: cannot judge ownership or authorship")
	}
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update, admissionv1.Delete:
		return nil
	}
	return fmt.Errorf("operation %q is not reviewed: expected CREATE, UPDATE or DELETE", req.Operation)
}

// writeOf turns a decoded review into the contract's Write.
func writeOf(req *admissionRequest) (projsecret.Write, error) {
	if err := checkRequest(req); err != nil {
		return projsecret.Write{}, err
	}
	w := projsecret.Write{User: req.UserInfo.Username, Groups: req.UserInfo.Groups}
	var err error
	switch req.Operation {
	case admissionv1.Create:
		w.Operation = projsecret.OpCreate
		w.New, err = secretOf("object", req.Object)
	case admissionv1.Update:
		w.Operation = projsecret.OpUpdate
		if w.New, err = secretOf("object", req.Object); err == nil {
			w.Old, err = secretOf("oldObject", req.OldObject)
		}
	case admissionv1.Delete:
		// The API server sends the Secret being deleted as oldObject only.
		w.Operation = projsecret.OpDelete
		w.Old, err = secretOf("oldObject", req.OldObject)
	}
	if err != nil {
		return w, fmt.Errorf("%s request: %w", req.Operation, err)
	}
	return w, nil
}

func secretOf(field string, s *corev1.Secret) (*corev1.Secret, error) {
	if s == nil {
		return nil, fmt.Errorf("%s is missing", field)
	}
	if !isSecret(s.TypeMeta) {
		return nil, fmt.Errorf("%s is a %s, expected a v1 Secret", field, kindString("", s.APIVersion, s.Kind))
	}
	return s, nil
}

// decodeSecret reads one embedded object as decodeEnvelope does, to say
// what is wrong with it. A syntax error is reported by offset only, since
// the text around it may be part of a value.
func decodeSecret(field string, raw []byte) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	if err := jsonv2.Unmarshal(raw, s, decodeOptions); err != nil {
		if offset, isSyntax := jsonerr.SyntaxOffset(syntaxOf(raw)); isSyntax {
			return nil, fmt.Errorf("%s is not valid JSON (syntax error at byte %d)", field, offset)
		}
		if offset, isSyntax := jsonerr.SyntaxOffset(err); isSyntax {
			// JSON text only to the lenient reading: invalid UTF-8.
			return nil, fmt.Errorf("%s is not valid JSON (syntax error at byte %d)", field, offset)
		}
		// Another kind fails on its own fields first; name the kind instead.
		var tm metav1.TypeMeta
		if jsonv2.Unmarshal(raw, &tm, lenientOptions) == nil && !isSecret(tm) {
			return nil, fmt.Errorf("%s is a %s, expected a v1 Secret", field, kindString("", tm.APIVersion, tm.Kind))
		}
		return nil, fmt.Errorf("%s is not a v1 Secret: %s", field, jsonerr.Describe(err))
	}
	return secretOf(field, s)
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

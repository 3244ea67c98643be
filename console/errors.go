package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/projsecret/projsecret"
)

// fail reports err where the action was taken: as JSON for the script to
// show beside the form, or as an error page. status 0 derives it from err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err any) {
	msg := fmt.Sprint(err)
	if e, ok := err.(error); ok {
		status, msg = describe(status, e)
	}
	msg = projsecret.Printable(msg)
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	s.errorPage(w, r, r.PathValue("ns"), status, msg)
}

// describe turns an error into a status and a sentence: the API server's
// and the webhook's own words, with what kind of refusal it was in front.
func describe(status int, err error) (int, string) {
	msg := projsecret.OneLine(err.Error())
	var v *projsecret.Violation
	switch {
	case status != 0:
	case errors.As(err, &v):
		status = http.StatusUnprocessableEntity
	case strings.Contains(msg, "admission webhook"):
		status = http.StatusForbidden
		msg = "Refused by the cluster's admission webhook: " + msg
	case apierrors.IsForbidden(err):
		status = http.StatusForbidden
		msg = "Missing permission: " + msg
	case apierrors.IsUnauthorized(err):
		status = http.StatusUnauthorized
		msg = "The cluster did not accept your credentials: " + msg
	case errors.Is(err, projsecret.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, projsecret.ErrExists), apierrors.IsConflict(err):
		status = http.StatusConflict
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		status = http.StatusUnprocessableEntity
	default:
		status = http.StatusBadGateway
	}
	return status, msg
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, ns string, status int, msg string) {
	if validNamespace(ns) != "" {
		ns = s.client.Namespace()
	}
	p := s.newPage(r, http.StatusText(status), ns)
	p.Status, p.Message = status, msg
	s.render(w, r, "error", status, p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

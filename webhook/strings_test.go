package webhook

import (
	"fmt"
	"maps"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// readStringMap is JSON v2's own map decoding, less a copy: for labels and
// annotations of every shape, valid or not, the envelope decodes as v2
// decodes it without readStringMap, the same maps or an error both times.
func TestReadStringMapIsJSONv2sMapDecoding(t *testing.T) {
	plain := jsontext.AllowDuplicateNames(true)
	for _, m := range []string{
		`null`, `{}`, `{"a":"b"}`, `{"a":null}`, `{"a":"b","c":"d"}`, `{"a":"b","a":"c"}`,
		`{"e":"tab\there \"quoted\" \u00e9 \\ slash"}`, `{"e":"\ud800"}`,
		`5`, `"text"`, `[]`, `true`, `{"a":5}`, `{"a":{}}`, `{"a":[]}`, `{"a":true}`,
		`{"a":"b"`, `{"a":`, `{"a"`, `{`, `{"a":"b",}`, `{"a":"\x"}`,
	} {
		for _, field := range []string{"labels", "annotations"} {
			body := []byte(fmt.Sprintf(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"object":{"metadata":{%q:%s}},"oldObject":{"metadata":{%q:{"x":"y"}}}}}`, field, m, field))
			got, gotErr := decodeEnvelope(body)
			want := &envelope{}
			wantErr := jsonv2.Unmarshal(body, want, plain)
			if (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s %s: error %v, JSON v2 alone: %v", field, m, gotErr, wantErr)
				continue
			}
			if gotErr != nil {
				continue
			}
			g, w := got.Request.Object.Labels, want.Request.Object.Labels
			og, ow := got.Request.OldObject.Labels, want.Request.OldObject.Labels
			if field == "annotations" {
				g, w = got.Request.Object.Annotations, want.Request.Object.Annotations
				og, ow = got.Request.OldObject.Annotations, want.Request.OldObject.Annotations
			}
			if !maps.Equal(g, w) || (g == nil) != (w == nil) || !maps.Equal(og, ow) {
				t.Errorf("%s %s: decoded %#v (old %#v), JSON v2 alone %#v (old %#v)", field, m, g, og, w, ow)
			}
		}
	}
}

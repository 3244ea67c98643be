package webhook

import (
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	corev1 "k8s.io/api/core/v1"

	"github.com/projsecret/projsecret/internal/jsonerr"
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
			// The old object's map comes after a first member, which v2
			// merges into or, for null, drops.
			body := []byte(fmt.Sprintf(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"object":{"metadata":{%q:%s}},"oldObject":{"metadata":{%q:{"x":"y"},%q:%s}}}}`, field, m, field, field, m))
			got, gotErr := decodeEnvelope(body)
			want := &envelope{}
			wantErr := jsonv2.Unmarshal(body, want, plain)
			if (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s %s: error %v, JSON v2 alone: %v", field, m, gotErr, wantErr)
				continue
			}
			if gotErr != nil {
				// The envelope's error names the object; v2's own, as
				// the webhook describes it, is compared on the object.
				raw := []byte(fmt.Sprintf(`{"metadata":{%q:%s}}`, field, m))
				var s corev1.Secret
				g, w := jsonv2.Unmarshal(raw, &s, decodeOptions), jsonv2.Unmarshal(raw, &s, plain)
				if g == nil || w == nil || jsonerr.Describe(g) != jsonerr.Describe(w) {
					t.Errorf("%s %s: error %v, JSON v2 alone %v", field, m, g, w)
				}
				continue
			}
			g, w := got.Request.Object.Labels, want.Request.Object.Labels
			og, ow := got.Request.OldObject.Labels, want.Request.OldObject.Labels
			if field == "annotations" {
				g, w = got.Request.Object.Annotations, want.Request.Object.Annotations
				og, ow = got.Request.OldObject.Annotations, want.Request.OldObject.Annotations
			}
			if !maps.Equal(g, w) || (g == nil) != (w == nil) || !maps.Equal(og, ow) || (og == nil) != (ow == nil) {
				t.Errorf("%s %s: decoded %#v (old %#v), JSON v2 alone %#v (old %#v)", field, m, g, og, w, ow)
			}
		}
	}
}

// readBytesMap is JSON v2's own decoding of a Secret's data, less the
// map's growth: for data of every shape, valid or not, a Secret decodes
// as v2 decodes it alone, the same map (nil, empty and null values alike)
// or the same error, as the webhook describes it.
func TestReadBytesMapIsJSONv2sMapDecoding(t *testing.T) {
	plain := jsontext.AllowDuplicateNames(true)
	for _, m := range []string{
		`null`, `{}`, `{"a":"YQ=="}`, `{"a":""}`, `{"a":null}`, `{"a":"YQ==","b":"Yg=="}`, `{"a":"YQ==","a":"Yg=="}`,
		`{"a":"YQ"}`, `{"a":"Y Q=="}`, `{"a":"YQ==\n"}`, `{"a":"YQ\r\n=="}`, `{"a":"%%%"}`, `{"a":"YQ=\u003d"}`, `{"a\u00e9":"YQ=="}`,
		`{"a":"\ud800"}`, `5`, `"text"`, `[]`, `true`, `{"a":5}`, `{"a":{}}`, `{"a":[]}`, `{"a":true}`, `{"a":[1]}`,
		`{"a":"YQ=="`, `{"a":`, `{"a"`, `{`, `{"a":"YQ==",}`, `{"a":"\x"}`,
	} {
		// Alone, and after a first data member, which v2 merges into
		// or, for null, drops.
		for _, format := range []string{`{"data":%s,"metadata":{"name":"n"}}`, `{"data":{"a":"eA==","z":"eQ=="},"data":%s}`} {
			raw := []byte(fmt.Sprintf(format, m))
			var got, want corev1.Secret
			gotErr := jsonv2.Unmarshal(raw, &got, decodeOptions)
			wantErr := jsonv2.Unmarshal(raw, &want, plain)
			if (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s: error %v, JSON v2 alone: %v", raw, gotErr, wantErr)
				continue
			}
			if gotErr != nil {
				if g, w := jsonerr.Describe(gotErr), jsonerr.Describe(wantErr); g != w {
					t.Errorf("%s: error %q, JSON v2 alone %q", raw, g, w)
				}
				continue
			}
			if !reflect.DeepEqual(got.Data, want.Data) {
				t.Errorf("%s: decoded %#v, JSON v2 alone %#v", raw, got.Data, want.Data)
			}
		}
	}
}

// A second data member adds to the first, as v2 merges into a map.
func TestReadBytesMapMergesDuplicateMembers(t *testing.T) {
	var s corev1.Secret
	raw := []byte(`{"data":{"a":"YQ==","b":"Yg=="},"data":{"b":"Yw==","c":null}}`)
	if err := jsonv2.Unmarshal(raw, &s, decodeOptions); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"a": []byte("a"), "b": []byte("c"), "c": nil}
	if !reflect.DeepEqual(s.Data, want) {
		t.Errorf("decoded %#v, want %#v", s.Data, want)
	}
}

// readBytesMap keeps its scratch space for the next review, holding none of
// the decoded keys and values, and lets a huge one go.
func TestReadBytesMapScratchSpace(t *testing.T) {
	// One P, so that what is put in the pool is what the next Get returns.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	data := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"data":{`)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":"eA=="`, i)
		}
		b.WriteString(`}}`)
		return []byte(b.String())
	}
	for _, tc := range []struct {
		n       int
		invalid bool
		kept    bool
	}{{100, false, true}, {100, true, true}, {3 * maxPooledPairs, false, true}} {
		raw := data(tc.n)
		if tc.invalid {
			raw = raw[:len(raw)-2] // the last pair read, then the text ends
		}
		var s corev1.Secret
		if err := jsonv2.Unmarshal(raw, &s, decodeOptions); (err != nil) != tc.invalid {
			t.Fatalf("%d pairs: %v", tc.n, err)
		}
		p := bytesPairs.Get().(*[]bytesPair)
		if cap(*p) > maxPooledPairs {
			t.Errorf("%d pairs: scratch space of %d pairs, more than %d", tc.n, cap(*p), maxPooledPairs)
		}
		// Under the race detector the pool may have dropped it.
		if got := cap(*p) >= min(tc.n, maxPooledPairs); got != tc.kept && !(raceEnabled && cap(*p) == 0) {
			t.Errorf("%d pairs (invalid %v): scratch space of %d kept: %v, want %v", tc.n, tc.invalid, cap(*p), got, tc.kept)
		}
		if len(*p) != 0 || slices.ContainsFunc((*p)[:cap(*p)], func(p bytesPair) bool { return p.key != "" || p.value != nil }) {
			t.Errorf("%d pairs (invalid %v): the pooled scratch space holds decoded pairs", tc.n, tc.invalid)
		}
		bytesPairs.Put(new([]bytesPair)) // the next case starts empty
	}
}

// Data of many repeated or tiny names, which an unauthenticated client may
// send, costs no more than v2's own decoding: neither the scratch space nor
// the map is sized by the number of names. (Many distinct names make a big
// map either way; the body limit bounds them.)
func TestReadBytesMapOfManyNames(t *testing.T) {
	allocated := func(raw []byte, opts jsonv2.Options) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var s corev1.Secret
		if err := jsonv2.Unmarshal(raw, &s, opts); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	for _, name := range []func(int) string{
		func(int) string { return `""` },
		func(i int) string { return fmt.Sprintf(`"%x"`, i) },
	} {
		var b strings.Builder
		b.WriteString(`{"data":{`)
		for i := range 200_000 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(name(i) + `:null`)
		}
		b.WriteString(`}}`)
		raw := []byte(b.String())
		ours, v2 := allocated(raw, decodeOptions), allocated(raw, jsontext.AllowDuplicateNames(true))
		if ours > v2+v2/4+64<<10 {
			t.Errorf("names like %s: decoding %d bytes of data allocated %d bytes, JSON v2 alone %d", name(1), len(raw), ours, v2)
		}
	}
}

package main

import (
	"reflect"
	"testing"
)

const exposition = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="secrets",scope="resource",subresource="",verb="GET",version="v1"} 3
apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="secrets",scope="resource",subresource="",verb="GET",version="v1"} 2
apiserver_request_total{code="201",component="apiserver",dry_run="",group="authentication.k8s.io",resource="selfsubjectreviews",scope="cluster",subresource="",verb="POST",version="v1"} 1
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="status",verb="PATCH",version="v1"} 4
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{le="0.1"} 9
`

func TestParseRequests(t *testing.T) {
	got, err := parseRequests([]byte(exposition))
	if err != nil {
		t.Fatal(err)
	}
	want := Requests{"GET secrets": 5, "POST selfsubjectreviews": 1, "PATCH pods/status": 4}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseRequests = %v, want %v", got, want)
	}
	if got.Total() != 10 || got.Of("secrets") != 5 {
		t.Errorf("Total = %d, Of(secrets) = %d, want 10 and 5", got.Total(), got.Of("secrets"))
	}
}

func TestMinRequests(t *testing.T) {
	trials := []Requests{
		{"GET secrets": 1, "PUT leases": 1},
		{"GET secrets": 1},
		{"GET secrets": 2, "PUT endpoints": 1},
	}
	want := Requests{"GET secrets": 1}
	if got := minRequests(trials); !reflect.DeepEqual(got, want) {
		t.Errorf("minRequests = %v, want %v", got, want)
	}
	if got := (Requests{"GET secrets": 3, "PUT leases": 1}).Sub(Requests{"GET secrets": 1, "PUT leases": 1}); !reflect.DeepEqual(got, Requests{"GET secrets": 2}) {
		t.Errorf("Sub = %v, want GET secrets ×2", got)
	}
	if s := want.String(); s != "GET secrets ×1" {
		t.Errorf("String = %q", s)
	}
}

package main

import (
	"reflect"
	"testing"
)

const benchOutput = `goos: linux
pkg: github.com/projsecret/projsecret/webhook
BenchmarkReview/op=update/entries=20/handler=projsecret         	     690	   1823526 ns/op	   14400 body-bytes	   1153703 cpu-ns/op	       548.4 reviews/s	  156963 B/op	    1141 allocs/op
BenchmarkReview/op=update/entries=20/handler=projsecret         	     700	   1000000 ns/op	   14400 body-bytes	   1000000 cpu-ns/op	       500.0 reviews/s	  156960 B/op	    1141 allocs/op
BenchmarkReview/op=update/entries=20/handler=projsecret         	     710	   3000000 ns/op	   14400 body-bytes	   2000000 cpu-ns/op	       600.0 reviews/s	  156962 B/op	    1141 allocs/op
BenchmarkReview/op=update/entries=20/handler=allow-all          	    2199	    513093 ns/op	  14400 body-bytes	    410483 cpu-ns/op	      1949 reviews/s	   63624 B/op	      85 allocs/op
PASS
ok  	github.com/projsecret/projsecret/webhook	11.639s
`

func TestParseBenchOutput(t *testing.T) {
	got := medians(parseBenchOutput([]byte(benchOutput)))
	if len(got) != 2 {
		t.Fatalf("got %d benchmarks, want 2: %v", len(got), got)
	}
	want := map[string]float64{"ns/op": 1823526, "body-bytes": 14400, "cpu-ns/op": 1153703, "reviews/s": 548.4, "B/op": 156962, "allocs/op": 1141}
	if got[0].name != "BenchmarkReview/op=update/entries=20/handler=projsecret" || !reflect.DeepEqual(got[0].metrics, want) {
		t.Errorf("first = %s %v, want the projsecret medians %v", got[0].name, got[0].metrics, want)
	}
	if p := param(got[1].name, "handler"); p != "allow-all" {
		t.Errorf("handler of the second = %q, want allow-all", p)
	}
	if p := param(got[1].name, "entries"); p != "20" {
		t.Errorf("entries = %q, want 20", p)
	}
}

package main

import "testing"

// A round that starts with variant round runs them rotated; unrotate puts
// its results back in the variants' order, whatever the round.
func TestUnrotate(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	for round := range 2*len(names) + 1 {
		res := make([]Result, len(names))
		for j := range names {
			res[j] = Result{Name: names[(j+round)%len(names)]}
		}
		for i, r := range unrotate(res, round) {
			if r.Name != names[i] {
				t.Errorf("round %d: result %d is %s, want %s", round, i, r.Name, names[i])
			}
		}
	}
}

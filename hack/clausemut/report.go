package main

import (
	"fmt"
	"io"
	"time"
)

// report prints gremlins' totals, then the same per file.
func report(out io.Writer, results []result, took time.Duration) {
	fmt.Fprintf(out, "\nMutation testing completed in %s\n", took.Round(time.Second))
	total := tally(results)
	fmt.Fprintf(out, "Killed: %d, Lived: %d, Not viable: %d, Timed out: %d\n", total[Killed], total[Lived], total[NotViable], total[TimedOut])
	fmt.Fprintf(out, "Test efficacy: %s\n", efficacy(total))
	var files []string
	byFile := map[string][]result{}
	for _, r := range results {
		if _, ok := byFile[r.File]; !ok {
			files = append(files, r.File)
		}
		byFile[r.File] = append(byFile[r.File], r)
	}
	if len(files) == 0 {
		return
	}
	fmt.Fprintf(out, "\n| File | Killed | Lived | Not viable | Timed out | Efficacy |\n|---|---|---|---|---|---|\n")
	for _, f := range files {
		t := tally(byFile[f])
		fmt.Fprintf(out, "| %s | %d | %d | %d | %d | %s |\n", f, t[Killed], t[Lived], t[NotViable], t[TimedOut], efficacy(t))
	}
}

func tally(rs []result) map[Status]int {
	t := map[Status]int{}
	for _, r := range rs {
		t[r.Status]++
	}
	return t
}

// efficacy is gremlins' test efficacy: killed / (killed + lived).
func efficacy(t map[Status]int) string {
	if t[Killed]+t[Lived] == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(t[Killed])/float64(t[Killed]+t[Lived]))
}

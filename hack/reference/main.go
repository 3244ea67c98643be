// Command reference regenerates docs/commands (make docs) or writes the man
// pages the release archives carry (-man DIR -date SECONDS, from hack/dist.sh).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/projsecret/projsecret/internal/reference"
)

func main() {
	markdown := flag.String("markdown", "", "write the Markdown reference into this directory")
	man := flag.String("man", "", "write man pages into this directory")
	date := flag.Int64("date", 0, "the man pages' date, in Unix seconds (a release passes its commit time)")
	flag.Parse()
	if *markdown == "" && *man == "" {
		fmt.Fprintln(os.Stderr, "reference: give -markdown DIR, -man DIR or both")
		os.Exit(2)
	}
	if *markdown != "" {
		if err := reference.Markdown(*markdown); err != nil {
			fmt.Fprintln(os.Stderr, "reference:", err)
			os.Exit(1)
		}
	}
	if *man != "" {
		if *date <= 0 {
			fmt.Fprintln(os.Stderr, "reference: -man needs -date SECONDS (the commit time), so that two builds give the same pages")
			os.Exit(2)
		}
		if err := reference.ManPages(*man, time.Unix(*date, 0)); err != nil {
			fmt.Fprintln(os.Stderr, "reference:", err)
			os.Exit(1)
		}
	}
}

// Command reference regenerates docs/commands (make docs) or writes the man
// pages the release archives carry (-man DIR).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/projsecret/projsecret/internal/reference"
)

func main() {
	markdown := flag.String("markdown", "", "write the Markdown reference into this directory")
	man := flag.String("man", "", "write man pages into this directory")
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
		if err := reference.ManPages(*man); err != nil {
			fmt.Fprintln(os.Stderr, "reference:", err)
			os.Exit(1)
		}
	}
}

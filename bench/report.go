package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Table is one Markdown table of the report, with a title and notes that say
// how to read it.
type Table struct {
	Title  string
	Notes  []string
	Header []string
	Rows   [][]string
}

// AddRow appends a row; cells are formatted with %v.
func (t *Table) AddRow(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	t.Rows = append(t.Rows, row)
}

// Markdown renders the table with a level-3 heading.
func (t *Table) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", t.Title)
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "%s\n", n)
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
	}
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			fmt.Fprintf(&b, " %s |", strings.ReplaceAll(c, "|", `\|`))
		}
		b.WriteString("\n")
	}
	line(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range t.Rows {
		line(r)
	}
	return b.String()
}

// Report prints tables as they are finished and keeps the file under
// bench-results up to date, so an interrupted run still leaves what it
// measured.
type Report struct {
	out    io.Writer
	path   string
	chunks []string
}

func NewReport(out io.Writer, path, heading string) (*Report, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the results folder: %w", err)
	}
	r := &Report{out: out, path: path}
	return r, r.add(heading)
}

// Add prints a table and saves the report so far.
func (r *Report) Add(t *Table) error { return r.add(t.Markdown()) }

// AddText prints and saves free text, such as a failure note.
func (r *Report) AddText(text string) error { return r.add(text) }

func (r *Report) add(chunk string) error {
	r.chunks = append(r.chunks, chunk)
	fmt.Fprintln(r.out, chunk)
	if err := os.WriteFile(r.path, []byte(strings.Join(r.chunks, "\n")), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", r.path, err)
	}
	return nil
}

package main

import "testing"

func TestTableMarkdown(t *testing.T) {
	tab := &Table{Title: "T", Notes: []string{"n"}, Header: []string{"a", "b"}}
	tab.AddRow("x|y", 2)
	want := "### T\n\nn\n\n| a | b |\n| --- | --- |\n| x\\|y | 2 |\n"
	if got := tab.Markdown(); got != want {
		t.Errorf("Markdown() =\n%q\nwant\n%q", got, want)
	}
}

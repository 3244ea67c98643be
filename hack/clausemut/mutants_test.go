package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

const sample = `package sample

import "strings"

func Allowed(user string, admin, owner bool, groups []string) bool {
	var n int
	ok := admin || owner && user != ""
	if strings.HasPrefix(user, "system:") && len(groups) > 0 {
		n++
		ok = false
	}
	switch {
	case n > 1, user == "root":
		return true
	}
	return ok
}

var Package = true && false
`

func TestGenerateMutatesEveryClauseConditionAndStatement(t *testing.T) {
	ms, err := Generate("sample.go", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%s %d:%d %s", m.Kind, m.Line, m.Col, m.Describe()))
	}
	want := []string{
		// ok := ... is a declaration: its clauses are mutated, not the statement.
		"CLAUSE_REMOVAL 7:8 admin → false",
		"CLAUSE_REMOVAL 7:17 owner && user != \"\" → false",
		"CLAUSE_REMOVAL 7:17 owner → true",
		"CLAUSE_REMOVAL 7:26 user != \"\" → true",
		"STATEMENT_REMOVAL 8:2 removed: if strings.HasPrefix(user, \"system:\") && len(groups) > 0 ...",
		"CONDITION_NEGATION 8:5 strings.HasPrefix(user, \"system:\") && len(groups) > 0 → !(strings.HasPrefix(user, \"system:\") && len(groups) > 0)",
		"CLAUSE_REMOVAL 8:5 strings.HasPrefix(user, \"system:\") → true",
		"CLAUSE_REMOVAL 8:43 len(groups) > 0 → true",
		"STATEMENT_REMOVAL 9:3 removed: n++",
		"STATEMENT_REMOVAL 10:3 removed: ok = false",
		"STATEMENT_REMOVAL 12:2 removed: switch { case n > 1, user == \"root\": return true }",
		"CONDITION_NEGATION 13:7 n > 1 → !(n > 1)",
		"CONDITION_NEGATION 13:14 user == \"root\" → !(user == \"root\")",
		"STATEMENT_REMOVAL 14:3 removed: return true",
		// The final return stays: without it nothing builds. Nothing at
		// package level is mutated.
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("mutants:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestApplyKeepsLineNumbers(t *testing.T) {
	ms, err := Generate("sample.go", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		out := m.Apply([]byte(sample))
		if bytes.Count(out, []byte("\n")) != strings.Count(sample, "\n") {
			t.Errorf("%s changes the number of lines:\n%s", m, out)
		}
		if m.Kind == ClauseRemoval && !bytes.Contains(out, []byte(m.With)) {
			t.Errorf("%s: %q not in the mutant", m, m.With)
		}
	}
	removeIf := ms[4]
	want := strings.Replace(sample, "\tif strings.HasPrefix(user, \"system:\") && len(groups) > 0 {\n\t\tn++\n\t\tok = false\n\t}\n", "\t\n\n\n\n", 1)
	if got := string(removeIf.Apply([]byte(sample))); got != want {
		t.Errorf("removing the if gave:\n%s\nwant:\n%s", got, want)
	}
}

package editdoc

import (
	"slices"
	"strings"
	"testing"
)

// What Render writes, Parse reads back as it was, binary values included.
func TestRenderParseRoundTrip(t *testing.T) {
	original := map[string]Entry{
		"A":   {Value: []byte("line one\nline \"two\": #x"), Description: "first", Labels: map[string]string{"env": "prod"}},
		"B":   {Value: []byte("8080")},
		"BIN": {Value: []byte{0xff, 0x00, 0xfe}, Binary: true},
	}
	doc, err := Render(original)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "\xff") {
		t.Fatal("a binary value is in the document")
	}
	got, errs := Parse(doc, original)
	if len(errs) != 0 {
		t.Fatalf("errors %v in\n%s", errs, doc)
	}
	if c := Plan(original, got); !c.Empty() {
		t.Errorf("the rendered document changes %+v", c)
	}
}

func TestParseReportsEveryProblemWithItsLine(t *testing.T) {
	doc := `A:
  value: 1
  value: "2"
bad.key:
  value: "x"
B:
  description: "no value"
  labels: {"in valid": "x"}
C:
  value: "c"
  colour: "red"
BIN:
  binaryValue: "<3 bytes, not valid UTF-8: kept as it is; use set --from-file to change it>"
`
	_, errs := Parse([]byte(doc), map[string]Entry{})
	want := []string{
		`line 3: key "A": value appears twice`,
		`line 4: key "bad.key" is invalid`,
		`line 8: key "B": `,
		`line 6: key "B": value is missing`,
		`line 11: key "C": unknown field "colour": expected value, description or labels`,
		`line 13: key "BIN": binaryValue is a placeholder`,
		`line 12: key "BIN": value is missing`,
	}
	if len(errs) != len(want) {
		t.Errorf("%d errors, want %d: %q", len(errs), len(want), errs)
	}
	for _, w := range want {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, w) }) {
			t.Errorf("no error starting %q in %q", w, errs)
		}
	}
}

func TestPlan(t *testing.T) {
	original := map[string]Entry{
		"KEEP": {Value: []byte("k")},
		"META": {Value: []byte("m"), Description: "old"},
		"GONE": {Value: []byte("g")},
	}
	desired := map[string]Entry{
		"KEEP": {Value: []byte("k")},
		"META": {Value: []byte("m"), Description: "new"},
		"NEW":  {Value: []byte("n")},
	}
	c := Plan(original, desired)
	if len(c.Create) != 1 || c.Create["NEW"].Value == nil || len(c.Update) != 1 || c.Update["META"].Description != "new" || !slices.Equal(c.Remove, []string{"GONE"}) {
		t.Errorf("plan %+v", c)
	}
	if !Plan(original, original).Empty() {
		t.Error("an unchanged document changes something")
	}
}

func TestIsEmpty(t *testing.T) {
	for doc, want := range map[string]bool{"": true, "# a\n\n  # b\n": true, "# a\nA: {}\n": false} {
		if got := IsEmpty([]byte(doc)); got != want {
			t.Errorf("IsEmpty(%q) = %v, want %v", doc, got, want)
		}
	}
	if got := string(StripLeadingComments([]byte("# h\n#\n# error: x\nA:\n  # kept\n"))); got != "A:\n  # kept\n" {
		t.Errorf("StripLeadingComments left %q", got)
	}
}

package plugin

import "testing"

// TestRelaxedJSONPath: the spellings kubectl's custom-columns accepts, and
// those it refuses, give the same answers here.
func TestRelaxedJSONPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		fails    bool
	}{
		// kubectl's own table (TestMassageJSONPath in its get command).
		{in: "foo.bar", want: "{.foo.bar}"},
		{in: "{foo.bar}", want: "{.foo.bar}"},
		{in: ".foo.bar", want: "{.foo.bar}"},
		{in: "{.foo.bar}", want: "{.foo.bar}"},
		{in: "", want: ""},
		{in: "{foo.bar", fails: true},
		{in: "foo.bar}", fails: true},
		{in: "{foo.bar}}", fails: true},
		{in: "{{foo.bar}", fails: true},
		// The same rules on the fields projsecret's objects have.
		{in: "metadata.name", want: "{.metadata.name}"},
		{in: ".metadata.name", want: "{.metadata.name}"},
		{in: "{metadata.name}", want: "{.metadata.name}"},
		{in: "{.metadata.name}", want: "{.metadata.name}"},
		{in: "labels.env", want: "{.labels.env}"},
		{in: ".items[*].name", want: "{.items[*].name}"},
		{in: "{.a}{.b}", fails: true},
		{in: "{.metadata.name", fails: true},
		{in: ".metadata.name}", fails: true},
		{in: "{{.a}}", fails: true},
		{in: "{}", fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := relaxedJSONPath(tt.in)
			if tt.fails {
				if err == nil {
					t.Fatalf("relaxedJSONPath(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("relaxedJSONPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

package console

import (
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
)

// TestEntryTable: the rows written without html/template escape every
// piece of text a tenant wrote, in content and in attributes, and show it
// as the plugin does (Printable).
func TestEntryTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	got := string(entryTable([]store.Entry{{
		Key: "tls.key", Size: 2048,
		EntryMeta: projsecret.EntryMeta{
			Description: `"><script>alert(1)</script>&amp;` + "\u202e",
			Labels:      map[string]string{"b": `x"<y>`, "a": "1"},
			UpdatedAt:   now.Add(-2 * time.Hour), UpdatedBy: "<bob>",
		},
	}}, now))
	want := `<tr data-key="tls.key"><td><a class="key" href="e/tls.key">tls.key</a><td class="value-cell">` +
		`<td class="desc">\&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;\u202e` +
		`<td><span class="chip">a=1</span> <span class="chip">b=x&#34;&lt;y&gt;</span>` +
		`<td class="num" data-value="2048">2.0 KiB<td><time datetime="2025-03-04T22:00:00Z">120m ago</time>` +
		`<td>&lt;bob&gt;<td class="exp"></tr>` + "\n"
	if got != want {
		t.Errorf("row:\n%s\nwant:\n%s", got, want)
	}
	if got := entryTable(nil, now); !strings.Contains(string(got), "No entries.") {
		t.Errorf("no entries: %s", got)
	}
}

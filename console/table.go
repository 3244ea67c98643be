package console

import (
	"html"
	"html/template"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"k8s.io/apimachinery/pkg/util/duration"
)

// entryTable is the project page's table body, one row per entry, written
// here rather than by the template: html/template escapes each field it
// prints through reflection, which made most of the server's time on a
// page of a thousand entries. Every row has the same fixed shape, and
// every piece of text in it goes into element content or a double-quoted
// attribute, where html.EscapeString is the escaping needed.
//
// A row holds only what the entry says. What the page's script can add is
// left to it: the reveal and copy buttons of each value, the titles of
// times, the sort keys it reads from the cells (only the size carries one,
// in bytes), and the dash of an empty cell comes from the style sheet.
// Links are relative to the project page (e/KEY), whose path ends in /.
func entryTable(entries []store.Entry, now time.Time) template.HTML {
	if len(entries) == 0 {
		return `<tr><td colspan="8" class="empty">No entries.</td></tr>`
	}
	var b strings.Builder
	b.Grow(len(entries) * 320)
	text := func(s string) { b.WriteString(html.EscapeString(projsecret.Printable(s))) }
	for _, e := range entries {
		key := html.EscapeString(e.Key)
		b.WriteString(`<tr data-key="`)
		b.WriteString(key)
		b.WriteString(`"><td><a class="key" href="e/`)
		b.WriteString(html.EscapeString(url.PathEscape(e.Key)))
		b.WriteString(`">`)
		b.WriteString(key)
		b.WriteString(`</a><td class="value-cell"><td class="desc">`)
		text(e.Description)
		b.WriteString(`<td>`)
		for i, k := range slices.Sorted(maps.Keys(e.Labels)) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(`<span class="chip">`)
			text(k + "=" + e.Labels[k])
			b.WriteString(`</span>`)
		}
		b.WriteString(`<td class="num" data-value="`)
		b.WriteString(strconv.Itoa(e.Size))
		b.WriteString(`">`)
		b.WriteString(size(e.Size))
		b.WriteString(`<td>`)
		if !e.UpdatedAt.IsZero() {
			b.WriteString(`<time datetime="`)
			b.WriteString(e.UpdatedAt.UTC().Format(time.RFC3339))
			b.WriteString(`">`)
			b.WriteString(duration.HumanDuration(now.Sub(e.UpdatedAt)))
			b.WriteString(` ago</time>`)
		}
		b.WriteString(`<td>`)
		text(e.UpdatedBy)
		b.WriteString(`<td class="exp">`)
		if !e.ExpiresAt.IsZero() {
			b.WriteString(`<time datetime="`)
			b.WriteString(e.ExpiresAt.UTC().Format(time.RFC3339))
			if e.Expired(now) {
				b.WriteString(`" class="expired">`)
			} else {
				b.WriteString(`">`)
			}
			b.WriteString(e.ExpiryText(now))
			b.WriteString(`</time>`)
		}
		if e.RotateEvery > 0 {
			b.WriteString(` <span class="muted">· every `)
			b.WriteString(projsecret.FormatRotateEvery(e.RotateEvery))
			b.WriteString(`</span>`)
		}
		b.WriteString("</tr>\n")
	}
	return template.HTML(b.String())
}

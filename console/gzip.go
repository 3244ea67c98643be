package console

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Pages, the style sheet and the script are sent gzip-compressed to a
// browser that asks for it: a project page of a thousand entries is
// several hundred kilobytes of markup that repeats itself. Values never
// are (reveal answers with the bytes alone), so no secret is compressed
// together with text someone else chose.

// minGzip is the smallest body worth compressing: below it the gzip
// header and the work cost more than they save.
const minGzip = 1024

// acceptsGzip reports whether the request's Accept-Encoding allows gzip:
// listed by name or as *, without q=0.
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept-Encoding") {
		for _, item := range strings.Split(h, ",") {
			name, params, _ := strings.Cut(item, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "*" {
				continue
			}
			q := 1.0
			if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
			return q > 0
		}
	}
	return false
}

// gzipWriters are reused: a writer's state is most of a compression's
// allocations.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

func compress(body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(body) / 4)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&b)
	_, _ = zw.Write(body)
	_ = zw.Close()
	gzipWriters.Put(zw)
	return b.Bytes()
}

// writeBody sends body with status, compressed when the client accepts it
// and it is worth it; gz, when not nil, is body compressed ahead of time.
// The answer varies with Accept-Encoding either way.
func writeBody(w http.ResponseWriter, r *http.Request, status int, body, gz []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if len(body) >= minGzip && acceptsGzip(r) {
		if gz == nil {
			gz = compress(body)
		}
		body = gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// asset is one file of static/, kept as it is and compressed.
type asset struct {
	contentType string
	body, gz    []byte
}

// assets are read and compressed on first use, like the templates.
var assets = sync.OnceValues(func() (map[string]asset, error) {
	entries, err := staticFS.ReadDir("static")
	if err != nil {
		return nil, fmt.Errorf("console assets: %w", err)
	}
	m := map[string]asset{}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("console assets: %w", err)
		}
		a := asset{contentType: mime.TypeByExtension(path.Ext(e.Name())), body: body}
		if len(body) >= minGzip {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			a.gz = b.Bytes()
		}
		m[e.Name()] = a
	}
	return m, nil
})

// serveStatic answers /static/NAME from the embedded files.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	all, err := assets()
	if err != nil {
		refuse(w, http.StatusInternalServerError, err.Error())
		return
	}
	a, ok := all[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	writeBody(w, r, http.StatusOK, a.body, a.gz)
}

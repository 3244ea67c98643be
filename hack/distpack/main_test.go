package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTree writes the same two files with the given permissions and file
// times, as two builders with different umasks and checkouts would.
func writeTree(t *testing.T, binPerm, docPerm os.FileMode, fileTime time.Time) (bin, doc string) {
	t.Helper()
	dir := t.TempDir()
	bin = filepath.Join(dir, "tool")
	doc = filepath.Join(dir, "README.md")
	for _, f := range []struct {
		path string
		perm os.FileMode
		data string
	}{{bin, binPerm, "\x7fELF binary"}, {doc, docPerm, "# docs\n"}} {
		if err := os.WriteFile(f.path, []byte(f.data), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(f.path, f.perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f.path, fileTime, fileTime); err != nil {
			t.Fatal(err)
		}
	}
	return bin, doc
}

type packed struct {
	name string
	mode int64
	time time.Time
	uid  int
	gid  int
	data string
}

func unpack(t *testing.T, f format, b []byte) []packed {
	t.Helper()
	var out []packed
	if f == zipFile {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, packed{zf.Name, int64(zf.Mode().Perm()), zf.Modified.UTC(), 0, 0, string(data)})
		}
		return out
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q and time %v; want neither", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Uname != "" || hdr.Gname != "" {
			t.Errorf("%s: owner names %q/%q; want numeric only", hdr.Name, hdr.Uname, hdr.Gname)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, packed{hdr.Name, hdr.Mode, hdr.ModTime.UTC(), hdr.Uid, hdr.Gid, string(data)})
	}
}

func TestArchiveIsReproducible(t *testing.T) {
	mtime := time.Unix(1700000000, 0).UTC()
	for _, tc := range []struct {
		name string
		out  string
	}{
		{"tar.gz", "a.tar.gz"},
		{"zip", "a.zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Same content, different permissions and file times: the
			// archives must still be byte for byte identical.
			bin1, doc1 := writeTree(t, 0o700, 0o600, time.Now())
			bin2, doc2 := writeTree(t, 0o775, 0o664, time.Unix(5, 0))
			var archives [][]byte
			for _, files := range [][2]string{{bin1, doc1}, {bin2, doc2}} {
				out := filepath.Join(t.TempDir(), tc.out)
				// Given in reverse order: the archive sorts its entries.
				err := run([]string{"archive", "-o", out, "-mtime", "1700000000",
					"tool=" + files[0], "README.md=" + files[1]}, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				archives = append(archives, b)
			}
			if !bytes.Equal(archives[0], archives[1]) {
				t.Fatal("two packs of the same content differ")
			}
			got := unpack(t, archiveFormat(tc.out), archives[0])
			want := []packed{
				{"README.md", 0o644, mtime, 0, 0, "# docs\n"},
				{"tool", 0o755, mtime, 0, 0, "\x7fELF binary"},
			}
			if len(got) != len(want) {
				t.Fatalf("archive holds %d entries %+v; want %d", len(got), got, len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("entry %d = %+v; want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestSums(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"b.zip": "b", "a.tar.gz": "a"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "sums.txt")
	if err := run([]string{"sums", "-o", out, filepath.Join(dir, "b.zip"), filepath.Join(dir, "a.tar.gz")}, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// sha256("a") and sha256("b"), sorted by file name.
	want := "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a.tar.gz\n" +
		"3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.zip\n"
	if string(got) != want {
		t.Errorf("sums file:\n%s\nwant:\n%s", got, want)
	}
}

func TestRejectsBadArguments(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.tar.gz")
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no mode", nil, "usage"},
		{"unknown mode", []string{"tarball", "-o", out}, `unknown mode "tarball"`},
		{"no output", []string{"archive", "-mtime", "0", "f=" + file}, "-o is required"},
		{"no mtime", []string{"archive", "-o", out, "f=" + file}, "-mtime is required"},
		{"no files", []string{"archive", "-o", out, "-mtime", "0"}, "no files to pack"},
		{"no name", []string{"archive", "-o", out, "-mtime", "0", file}, "expected name=path"},
		{"escapes", []string{"archive", "-o", out, "-mtime", "0", "../f=" + file}, "stay inside the archive"},
		{"absolute", []string{"archive", "-o", out, "-mtime", "0", "/f=" + file}, "stay inside the archive"},
		{"twice", []string{"archive", "-o", out, "-mtime", "0", "f=" + file, "f=" + file}, "packed twice"},
		{"missing file", []string{"archive", "-o", out, "-mtime", "0", "f=" + file + ".gone"}, "no such file"},
		{"directory", []string{"archive", "-o", out, "-mtime", "0", "f=" + dir}, "not a regular file"},
		{"sums of nothing", []string{"sums", "-o", out}, "at least one archive"},
		{"platforms without version", []string{"platforms", "-platforms", file}, "-version is required"},
		{"manifest without template", []string{"manifest", "-o", out, "-platforms", file, "-sums", file, "-version", "v1.0.0"}, "-template is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("run(%q) = %v; want an error containing %q", tc.args, err, tc.wantErr)
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Errorf("a failed run left %s behind", out)
			}
		})
	}
}

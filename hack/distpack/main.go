// Command distpack writes release archives, their checksums file and the
// Krew manifest so that the same inputs always give the same bytes, whatever
// machine, umask, tar or zip flavour builds the release: entries are sorted,
// owners are 0/0 with no names, modes are normalised to 0755/0644 and every
// timestamp is the one given on the command line (the commit time, from
// hack/dist.sh). The platforms come from one file, hack/platforms.txt.
//
//	distpack platforms -platforms FILE -version V
//	distpack archive -o out.tar.gz|out.zip -mtime UNIX name=path...
//	distpack sums -o checksums.txt archive...
//	distpack manifest -o OUT -platforms FILE -template TMPL -sums SUMS -version V
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/projsecret/projsecret/internal/atomicfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "distpack:", err)
		os.Exit(1)
	}
}

const usage = "usage: distpack platforms -platforms FILE -version V" +
	" | distpack archive -o OUT.tar.gz|OUT.zip -mtime UNIX NAME=PATH [NAME=PATH...]" +
	" | distpack sums -o FILE ARCHIVE [ARCHIVE...]" +
	" | distpack manifest -o OUT -platforms FILE -template TMPL -sums SUMS -version V"

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	out := fs.String("o", "", "file to write")
	mtime := fs.Int64("mtime", -1, "timestamp of every entry, in unix seconds")
	platformsFile := fs.String("platforms", "", "file listing GOOS/GOARCH, one a line")
	version := fs.String("version", "", "the release version")
	tmpl := fs.String("template", "", "Krew manifest template")
	sumsFile := fs.String("sums", "", "checksums file written by distpack sums")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	required := func(flags ...string) error {
		for _, name := range flags {
			if fs.Lookup(name).Value.String() == "" {
				return fmt.Errorf("-%s is required; %s", name, usage)
			}
		}
		return nil
	}
	switch args[0] {
	case "platforms":
		if err := required("platforms", "version"); err != nil {
			return err
		}
		platforms, err := readPlatforms(*platformsFile)
		if err != nil {
			return err
		}
		return writePlatforms(stdout, platforms, *version)
	case "archive":
		if err := required("o"); err != nil {
			return err
		}
		if *mtime < 0 {
			return fmt.Errorf("-mtime is required (unix seconds, e.g. the commit time); %s", usage)
		}
		entries, err := parseEntries(fs.Args())
		if err != nil {
			return err
		}
		return writeFile(*out, func(w io.Writer) error {
			return pack(w, archiveFormat(*out), time.Unix(*mtime, 0).UTC(), entries)
		})
	case "sums":
		if err := required("o"); err != nil {
			return err
		}
		if len(fs.Args()) == 0 {
			return fmt.Errorf("sums needs at least one archive; %s", usage)
		}
		return writeFile(*out, func(w io.Writer) error { return writeSums(w, fs.Args()) })
	case "manifest":
		if err := required("o", "platforms", "template", "sums", "version"); err != nil {
			return err
		}
		platforms, err := readPlatforms(*platformsFile)
		if err != nil {
			return err
		}
		if !semver.MatchString(*version) {
			return fmt.Errorf("-version %q is not a release version; Krew needs a semantic version like v1.2.3", *version)
		}
		sums, err := readSums(*sumsFile)
		if err != nil {
			return fmt.Errorf("%w; run 'make dist VERSION=%s' first", err, *version)
		}
		return writeFile(*out, func(w io.Writer) error {
			return renderManifest(w, *tmpl, *version, platforms, sums)
		})
	default:
		return fmt.Errorf("unknown mode %q; %s", args[0], usage)
	}
}

// entry is one file in an archive: its name inside the archive and where it
// is read from.
type entry struct {
	name, path string
}

func parseEntries(args []string) ([]entry, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no files to pack; %s", usage)
	}
	seen := map[string]bool{}
	entries := make([]entry, 0, len(args))
	for _, a := range args {
		name, path, ok := strings.Cut(a, "=")
		if !ok || name == "" || path == "" {
			return nil, fmt.Errorf("file argument %q: expected name=path", a)
		}
		if strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
			return nil, fmt.Errorf("file argument %q: the archive name must be relative and stay inside the archive", a)
		}
		if seen[name] {
			return nil, fmt.Errorf("file argument %q: %q is packed twice", a, name)
		}
		seen[name] = true
		entries = append(entries, entry{name: name, path: path})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries, nil
}

type format int

const (
	tarGz format = iota
	zipFile
)

func archiveFormat(out string) format {
	if strings.HasSuffix(out, ".zip") {
		return zipFile
	}
	return tarGz
}

// writeFile renders the whole file in memory, then writes it through a
// temporary file, so that a failed run never leaves a half-written archive or
// manifest that looks like a release artifact.
func writeFile(out string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return atomicfile.Write(out, buf.Bytes(), 0o644)
}

// mode keeps only "is it executable": group and other bits depend on the
// builder's umask and must not change the archive.
func mode(fi os.FileInfo) int64 {
	if fi.Mode().Perm()&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func pack(w io.Writer, f format, mtime time.Time, entries []entry) error {
	if f == zipFile {
		return packZip(w, mtime, entries)
	}
	return packTarGz(w, mtime, entries)
}

func packTarGz(w io.Writer, mtime time.Time, entries []entry) error {
	// No name and a zero time in the gzip header: gzip -n does the same.
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		err := withFile(e, func(fi os.FileInfo, r io.Reader) error {
			hdr := &tar.Header{
				Typeflag: tar.TypeReg,
				Name:     e.name,
				Mode:     mode(fi),
				Size:     fi.Size(),
				ModTime:  mtime,
				Format:   tar.FormatUSTAR,
			}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			_, err := io.Copy(tw, r)
			return err
		})
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func packZip(w io.Writer, mtime time.Time, entries []entry) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, e := range entries {
		err := withFile(e, func(fi os.FileInfo, r io.Reader) error {
			hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
			hdr.SetMode(os.FileMode(mode(fi)))
			fw, err := zw.CreateHeader(hdr)
			if err != nil {
				return err
			}
			_, err = io.Copy(fw, r)
			return err
		})
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

func withFile(e entry, fn func(os.FileInfo, io.Reader) error) error {
	f, err := os.Open(e.path)
	if err != nil {
		return fmt.Errorf("pack %s: %w", e.name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("pack %s: %w", e.name, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("pack %s: %s is not a regular file", e.name, e.path)
	}
	if err := fn(fi, f); err != nil {
		return fmt.Errorf("pack %s: %w", e.name, err)
	}
	return nil
}

// writeSums writes the format sha256sum -c reads: "<hex>  <file name>".
func writeSums(w io.Writer, paths []string) error {
	sorted := append([]string(nil), paths...)
	sort.Slice(sorted, func(i, j int) bool { return filepath.Base(sorted[i]) < filepath.Base(sorted[j]) })
	for _, p := range sorted {
		sum, err := sha256File(p)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s  %s\n", sum, filepath.Base(p)); err != nil {
			return err
		}
	}
	return nil
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("checksum %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The test binary is a Go binary with build info like any other: it links
// go-containerregistry, so its SBOM must list it.
func TestSBOMListsTheModulesLinkedIn(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "sbom.spdx.json")
	if err := writeSBOM(out, bin, "v1.2.3", commitTime); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc spdxDocument
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXID != "SPDXRef-DOCUMENT" || doc.CreationInfo.Created != "2026-11-30T12:34:56Z" {
		t.Errorf("document header %+v", doc)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if !strings.HasSuffix(doc.DocumentNamespace, hex.EncodeToString(sum[:])) || !strings.HasPrefix(doc.DocumentNamespace, spdxNamespace) {
		t.Errorf("namespace %q is not unique to the binary", doc.DocumentNamespace)
	}

	ids := map[string]spdxPackage{}
	purls := map[string]bool{}
	for _, p := range doc.Packages {
		if _, dup := ids[p.SPDXID]; dup {
			t.Errorf("SPDXID %s twice", p.SPDXID)
		}
		ids[p.SPDXID] = p
		for _, r := range p.ExternalRefs {
			purls[r.Locator] = true
		}
	}
	described := ""
	for _, r := range doc.Relationships {
		if _, ok := ids[r.Related]; !ok {
			t.Errorf("relationship %+v names a package that is not there", r)
		}
		if r.Type == "DESCRIBES" {
			described = r.Related
		}
	}
	binPkg := ids[described]
	if len(binPkg.Checksums) != 1 || binPkg.Checksums[0].Value != hex.EncodeToString(sum[:]) || binPkg.Checksums[0].Algorithm != "SHA256" {
		t.Errorf("the described package %+v does not carry the binary's sha256", binPkg)
	}
	if !strings.Contains(binPkg.Comment, "GOOS="+runtime.GOOS) || !strings.Contains(binPkg.Comment, "GOARCH="+runtime.GOARCH) {
		t.Errorf("build settings missing: %q", binPkg.Comment)
	}
	for _, want := range []string{"pkg:golang/github.com/google/go-containerregistry@v0.22.1", "pkg:golang/stdlib@v" + strings.TrimPrefix(runtime.Version(), "go")} {
		if !purls[want] {
			t.Errorf("no package with purl %s", want)
		}
	}
	if binPkg.VersionInfo != "v1.2.3" {
		t.Errorf("the binary's version %q, want the release's", binPkg.VersionInfo)
	}
	if ids["SPDXRef-Module-main"].Name != "github.com/projsecret/projsecret" {
		t.Errorf("main module %+v", ids["SPDXRef-Module-main"])
	}

	// Reproducible: the same binary and time give the same bytes.
	again := filepath.Join(dir, "again.spdx.json")
	if err := writeSBOM(again, bin, "v1.2.3", commitTime); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, raw) {
		t.Error("two SBOMs of one binary differ")
	}
}

func TestSBOMRejectsWhatIsNotAGoBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeSBOM(path+".spdx.json", path, "v1.2.3", commitTime); err == nil || !strings.Contains(err.Error(), "no Go build info") {
		t.Errorf("a shell script: %v", err)
	}
	if _, err := os.Stat(path + ".spdx.json"); err == nil {
		t.Error("an SBOM was written for it")
	}
}

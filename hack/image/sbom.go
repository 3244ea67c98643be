package main

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// The SBOM is SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3), written here
// from the binary's own build info (debug/buildinfo): the main module, every
// module linked in with its version and go.sum hash, the Go toolchain and
// the build settings. Written by hand because that is a few structs; the
// SPDX and CycloneDX Go libraries would add a module graph to the release
// for the same JSON.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string            `json:"name"`
	SPDXID           string            `json:"SPDXID"`
	VersionInfo      string            `json:"versionInfo,omitempty"`
	DownloadLocation string            `json:"downloadLocation"`
	FilesAnalyzed    bool              `json:"filesAnalyzed"`
	Checksums        []spdxChecksum    `json:"checksums,omitempty"`
	ExternalRefs     []spdxExternalRef `json:"externalRefs,omitempty"`
	Comment          string            `json:"comment,omitempty"`
	PrimaryPurpose   string            `json:"primaryPackagePurpose,omitempty"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxExternalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// spdxNamespace prefixes each document's namespace, which SPDX wants
// unique per document: the binary's hash makes it so, and keeps it the
// same for the same binary.
const spdxNamespace = "https://github.com/projsecret/projsecret/spdx/"

// writeSBOM writes the SPDX document of the Go binary at bin to out,
// dated created (the commit time) so that it is reproducible. version is
// the release version the Makefile stamped into the binary: a -trimpath
// build records the main module as (devel).
func writeSBOM(out, bin, version string, created time.Time) error {
	doc, err := sbom(bin, version, created)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(out, append(b, '\n'))
}

func sbom(bin, version string, created time.Time) (*spdxDocument, error) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("%s: no Go build info: %w", bin, err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	base := filepath.Base(bin)

	settings := make([]string, 0, len(info.Settings))
	for _, s := range info.Settings {
		settings = append(settings, s.Key+"="+s.Value)
	}
	goos, goarch := setting(info, "GOOS"), setting(info, "GOARCH")
	doc := &spdxDocument{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              fmt.Sprintf("%s %s/%s", base, goos, goarch),
		DocumentNamespace: spdxNamespace + base + "-" + goos + "-" + goarch + "-" + hexSum,
		CreationInfo: spdxCreationInfo{
			Created:  created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: projsecret hack/image sbom", "Tool: " + info.GoVersion},
		},
	}
	binID := "SPDXRef-Binary-" + spdxIDPart(base)
	doc.Packages = append(doc.Packages, spdxPackage{
		Name: base, SPDXID: binID, VersionInfo: version, DownloadLocation: "NOASSERTION",
		Checksums:      []spdxChecksum{{Algorithm: "SHA256", Value: hexSum}},
		Comment:        "Go build settings: " + strings.Join(settings, " "),
		PrimaryPurpose: "APPLICATION",
	})
	doc.Relationships = append(doc.Relationships, spdxRelationship{"SPDXRef-DOCUMENT", "DESCRIBES", binID})

	add := func(m *debug.Module, id string) {
		p := spdxPackage{Name: m.Path, SPDXID: id, VersionInfo: m.Version, DownloadLocation: "NOASSERTION", PrimaryPurpose: "LIBRARY"}
		if m.Version != "" && m.Version != "(devel)" {
			p.ExternalRefs = []spdxExternalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + m.Path + "@" + m.Version}}
		}
		if m.Sum != "" {
			p.Comment = "go.sum hash " + m.Sum
		}
		if m.Replace != nil {
			p.Comment = strings.TrimSpace(p.Comment + " replaced by " + m.Replace.Path + " " + m.Replace.Version)
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, spdxRelationship{binID, "CONTAINS", id})
	}
	main := info.Main
	if main.Version == "(devel)" || main.Version == "" {
		main.Version = version
	}
	add(&main, "SPDXRef-Module-main")
	for i, dep := range info.Deps {
		add(dep, fmt.Sprintf("SPDXRef-Module-%d-%s", i, spdxIDPart(dep.Path)))
	}
	goVersion := strings.TrimPrefix(info.GoVersion, "go")
	doc.Packages = append(doc.Packages, spdxPackage{
		Name: "stdlib", SPDXID: "SPDXRef-Go-stdlib", VersionInfo: info.GoVersion, DownloadLocation: "NOASSERTION",
		ExternalRefs:   []spdxExternalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/stdlib@v" + goVersion}},
		PrimaryPurpose: "LIBRARY",
	})
	doc.Relationships = append(doc.Relationships, spdxRelationship{binID, "CONTAINS", "SPDXRef-Go-stdlib"})
	return doc, nil
}

func setting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// SPDX identifiers allow letters, digits, '.' and '-' only.
var spdxIDInvalid = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

func spdxIDPart(s string) string { return spdxIDInvalid.ReplaceAllString(s, "-") }

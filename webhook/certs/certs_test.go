package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIssueVerifies(t *testing.T) {
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue([]string{"127.0.0.1", "localhost", "svc.ns.svc"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatalf("key pair does not match: %v", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, name := range []string{"127.0.0.1", "localhost", "svc.ns.svc"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("does not verify for %s: %v", name, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other"}); err == nil {
		t.Error("verifies for a name it was not issued for")
	}
	if !cert.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || len(cert.DNSNames) != 2 {
		t.Errorf("SANs: IPs %v, DNS %v", cert.IPAddresses, cert.DNSNames)
	}
	if got := time.Until(cert.NotAfter); got > time.Hour || got < 50*time.Minute {
		t.Errorf("valid for another %s, want about an hour", got)
	}
	if _, err := ca.Issue(nil, time.Hour); err == nil {
		t.Error("issued a certificate for no host")
	}
}

func TestRotationKeepsTheCA(t *testing.T) {
	dir := t.TempDir()
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCA(dir, ca); err != nil {
		t.Fatal(err)
	}
	again, err := ReadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cert.Equal(ca.Cert) {
		t.Fatal("ReadCA returned another CA")
	}
	first, _ := again.Issue([]string{"a"}, time.Hour)
	second, _ := again.Issue([]string{"a"}, time.Hour)
	for _, kp := range []*KeyPair{first, second} {
		if err := WriteServing(dir, kp, again); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, CertFile))
		if err != nil || string(got) != string(kp.CertPEM) {
			t.Fatalf("tls.crt is not the last written certificate (%v)", err)
		}
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("tls.key mode %v (%v), want 0600", info.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("dir holds %d files, want ca.crt, ca.key, tls.crt, tls.key (no temporary files left)", len(entries))
	}
}

func TestReadCAErrors(t *testing.T) {
	if _, err := ReadCA(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty dir: %v, want ErrNotExist", err)
	}
	ca, _ := NewCA("test-ca")
	kp, _ := ca.Issue([]string{"a"}, time.Hour)
	if _, err := LoadCA(kp.CertPEM, kp.KeyPEM); err == nil {
		t.Error("a serving certificate was accepted as a CA")
	}
	if _, err := LoadCA(ca.CertPEM, kp.KeyPEM); err == nil {
		t.Error("a CA with the wrong key was accepted")
	}
}

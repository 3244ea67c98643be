package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/webhook"
)

func TestParseFlags(t *testing.T) {
	o, logOpts, err := parseFlags(nil, io.Discard)
	if err != nil || logOpts == nil {
		t.Fatalf("defaults: %v", err)
	}
	if o.Port != 9443 || o.MetricsBindAddress != ":8080" || o.ProbeBindAddress != ":8081" || o.EnableHTTP2 ||
		o.ShutdownDelay != 5*time.Second || o.CertDir != "/etc/projsecret-webhook/tls" ||
		o.MaxInflight != webhook.DefaultMaxInflight || o.InflightWait != time.Second || o.GracefulShutdownTimeout != 15*time.Second {
		t.Errorf("defaults: %+v", o)
	}
	if o.Policy.KeyRule.String() != projsecret.DefaultKeyRule.String() || !slices.Equal(o.Policy.AdminGroups, []string{"system:masters"}) {
		t.Errorf("default policy: rule %s, admins %v", o.Policy.KeyRule, o.Policy.AdminGroups)
	}
	if len(o.Policy.AdminUsers) != 0 || o.Policy.ClockSkew != projsecret.DefaultClockSkew ||
		!slices.Equal(o.Policy.CleanupUsers, []string{"system:serviceaccount:kube-system:namespace-controller", "system:kube-controller-manager", "system:serviceaccount:kube-system:generic-garbage-collector"}) {
		t.Errorf("default policy: admin users %v, cleanup users %v, clock skew %s", o.Policy.AdminUsers, o.Policy.CleanupUsers, o.Policy.ClockSkew)
	}

	o, _, err = parseFlags([]string{"--admin-user=ops-lead", "--admin-user=root", "--cleanup-user=ns-cleaner", "--clock-skew=90s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Policy.AdminUsers, []string{"ops-lead", "root"}) || !slices.Equal(o.Policy.CleanupUsers, []string{"ns-cleaner"}) ||
		o.Policy.ClockSkew != 90*time.Second || !slices.Equal(o.Policy.AdminGroups, []string{"system:masters"}) {
		t.Errorf("--admin-user, --cleanup-user, --clock-skew given: %+v", o.Policy)
	}

	o, _, err = parseFlags([]string{"--admin-group=ops", "--admin-group", "system:masters", "--admin-group=ops", "--key-rule=env", "--enable-http2", "--port=10250", "--max-inflight=3", "--inflight-wait=250ms", "--max-connections=9", "--max-buffered-bytes=1024", "--client-ca-name=api-ca.crt"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Policy.AdminGroups, []string{"ops", "system:masters"}) {
		t.Errorf("--admin-group given: admins %v, want the given ones only, once each", o.Policy.AdminGroups)
	}
	if o.Policy.KeyRule.String() != projsecret.EnvVarKeyRule.String() || !o.EnableHTTP2 || o.Port != 10250 ||
		o.MaxInflight != 3 || o.InflightWait != 250*time.Millisecond || o.MaxConnections != 9 || o.MaxBufferedBytes != 1024 || o.ClientCAName != "api-ca.crt" {
		t.Errorf("flags not applied: %+v", o)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--key-rule=loose"}, `--key-rule="loose" is not a rule: expected one of default, env`},
		{[]string{"--admin-group="}, "an admin group name cannot be empty"},
		{[]string{"--admin-user= "}, "an admin user name cannot be empty"},
		{[]string{"--cleanup-user="}, "a cleanup user name cannot be empty"},
		{[]string{"--clock-skew=0s"}, "--clock-skew=0s is not a window"},
		{[]string{"--clock-skew=-1m"}, "is not a window"},
		{[]string{"--admin-user=x", "--cleanup-user=x"}, `user "x" is both --admin-user and --cleanup-user`},
		{[]string{"--port=0"}, "--port=0 is not a TCP port"},
		{[]string{"--max-inflight=0"}, "--max-inflight=0: expected at least 1"},
		{[]string{"--inflight-wait=0s"}, "--inflight-wait=0s: expected a positive duration"},
		{[]string{"--max-connections=0"}, "--max-connections=0: expected at least 1"},
		{[]string{"--max-buffered-bytes=0"}, "--max-buffered-bytes=0: expected at least 1"},
		{[]string{"--client-ca-name=../ca.crt"}, `--client-ca-name="../ca.crt": expected a file name in --cert-dir`},
		{[]string{"--client-ca-name=.."}, "expected a file name in --cert-dir"},
		{[]string{"--graceful-shutdown-timeout=-1s"}, "--graceful-shutdown-timeout=-1s: expected a positive duration"},
		{[]string{"serve"}, `unexpected arguments ["serve"]`},
		{[]string{"--no-such-flag"}, "flag provided but not defined"},
	} {
		if _, _, err := parseFlags(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, _, err := parseFlags([]string{"--version"}, io.Discard); !errors.Is(err, errVersion) {
		t.Errorf("--version: %v", err)
	}
	if _, _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

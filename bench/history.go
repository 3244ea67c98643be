package main

import (
	"context"
	"fmt"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// history is part 8: what recording a revision adds to a set. "With" is
// Client.Set, which creates the revision's Secret before its guarded
// UPDATE; "without" is the GET and guarded UPDATE that set sent before
// history existed, by hand (the client has no switch to turn history off:
// no write through projsecret goes unrecorded). The two alternate, on two
// projects of the same shape, so drift in the server hits both alike. It
// also reports the bytes one revision stores.
func (b *Bench) history(ctx context.Context) error {
	const ns, valueSize = "bench-history", 1024
	if err := createNamespace(ctx, b.admin, ns, nil); err != nil {
		return err
	}
	defer deleteProjects(context.WithoutCancel(ctx), b.admin, ns)
	c := store.NewClient(b.admin, ns, store.WithUser(func(context.Context) (string, error) { return b.user, nil }))
	for _, p := range []string{"with", "without"} {
		if _, err := c.Create(ctx, p, "K", randomValue(valueSize), store.PutOptions{}); err != nil {
			return err
		}
	}
	secrets := b.admin.CoreV1().Secrets(ns)
	plainSet := func(value []byte) error {
		s, err := secrets.Get(ctx, projsecret.SecretName("without"), metav1.GetOptions{})
		if err != nil {
			return err
		}
		entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
		if err != nil {
			return err
		}
		m := entries["K"]
		m.UpdatedAt = projsecret.Timestamp(time.Now())
		entries["K"] = m
		if s.Annotations[projsecret.AnnotationEntries], err = entries.Encode(); err != nil {
			return err
		}
		s.Data["K"] = value
		_, err = secrets.Update(ctx, s, metav1.UpdateOptions{})
		return err
	}
	var with, without Samples
	runs := b.HistoryRuns
	for i := range runs + 1 {
		v := randomValue(valueSize)
		t := time.Now()
		if _, err := c.Set(ctx, "with", "K", v, store.PutOptions{}); err != nil {
			return err
		}
		d := time.Since(t)
		t = time.Now()
		if err := plainSet(v); err != nil {
			return err
		}
		if i > 0 { // the first round warms both paths
			with, without = append(with, d), append(without, time.Since(t))
		}
	}
	list, err := secrets.List(ctx, metav1.ListOptions{LabelSelector: projsecret.LabelProject + "=with," + projsecret.LabelRevision})
	if err != nil {
		return err
	}
	var record, object int
	for _, s := range list.Items {
		record += len(s.Data[projsecret.HistoryDataKey])
		s.ManagedFields = nil
		raw, err := s.Marshal()
		if err != nil {
			return err
		}
		object += len(raw)
	}
	n := max(len(list.Items), 1)
	t := &Table{
		Title: "History: the cost of a revision",
		Notes: []string{fmt.Sprintf("%d interleaved sets of one %d-byte value each way, after one warm-up; \"without\" is the GET and guarded UPDATE alone. "+
			"A revision keeps the value before and after (base64 in JSON), its metadata, user, time and owners. "+
			"%d revisions listed after the run (pruning every %d keeps the last %d of the key).", runs, valueSize, len(list.Items), 10, projsecret.DefaultHistoryLimit)},
		Header: []string{"set", "p50", "p99", "p50 ratio"},
	}
	t.AddRow("without history", ms(without.Median()), ms(without.P99()), "1.00×")
	t.AddRow("with history", ms(with.Median()), ms(with.P99()), ratio(with.Median(), without.Median()))
	if err := b.report.Add(t); err != nil {
		return err
	}
	sizes := &Table{
		Title:  "History: bytes stored per revision",
		Header: []string{"value", "record (data)", "whole Secret (protobuf, no managedFields)"},
	}
	sizes.AddRow(fmt.Sprintf("%d bytes", valueSize), fmt.Sprintf("%d bytes", record/n), fmt.Sprintf("%d bytes", object/n))
	return b.report.Add(sizes)
}

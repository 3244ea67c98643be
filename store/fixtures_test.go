package store_test

import (
	"time"

	. "github.com/projsecret/projsecret"
)

// byAlice is the metadata of an entry created and last updated by alice,
// as the contract's tests have it, so that the client's tests start from
// the same project Secrets.
var byAlice = EntryMeta{Description: "d", CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice", UpdatedBy: "alice"}

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

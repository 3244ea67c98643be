package store

import "errors"

// errChangedSinceRead: the project changed between the confirmation and
// the write.
var errChangedSinceRead = errors.New("changed since it was read, nothing deleted: run the command again to delete it as it is now")

// errNoOwner: a project about to be created has neither owners given nor
// a user name to make its owner.
var errNoOwner = errors.New("the API server gives no user name, so the new project would have no owner: name its owners")

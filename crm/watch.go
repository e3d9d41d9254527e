package crm

import "context"

// CaseEvent announces a case created or changed, once the change is committed. It carries
// what deciding who may see it needs, not the case: a listener reads what it shows.
type CaseEvent struct {
	ID         int64 // 0: a resync (see Resync)
	Version    int
	Queue      Queue
	Centre     string
	Status     CaseStatus
	AssigneeID int64
}

// Resync is the event that says "changes may have been missed" (the feed reconnected, or a
// listener fell behind): whoever shows cases should read them again.
var Resync = CaseEvent{}

// VisibleTo reports whether u may hear of the change: a resync goes to everyone, a change to
// those who may see the case.
func (ch CaseEvent) VisibleTo(u User) bool {
	return ch.ID == 0 || CanSee(u, Case{Queue: ch.Queue, Centre: ch.Centre})
}

// WatchCases hears every committed case change, on every replica of the store, until ctx
// ends (the channel is then closed). Pages use it to stay live without reloading.
func (o *Office) WatchCases(ctx context.Context) (<-chan CaseEvent, error) {
	return o.store.WatchCases(ctx)
}

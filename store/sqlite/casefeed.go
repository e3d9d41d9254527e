package sqlite

import (
	"context"

	"github.com/huduma-connect/huduma/crm"
)

// WatchCases hears every case change this process commits (see Store.feed).
func (s *Store) WatchCases(ctx context.Context) (<-chan crm.CaseEvent, error) {
	return s.feed.Subscribe(ctx), nil
}

// announce tells the listeners of a committed case change.
func (s *Store) announce(c crm.Case) {
	s.feed.Publish(crm.CaseEvent{ID: c.ID, Version: c.Version, Queue: c.Queue, Centre: c.Centre, Status: c.Status, AssigneeID: c.AssigneeID})
}

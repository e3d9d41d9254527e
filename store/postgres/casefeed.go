package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/casefeed"
)

// caseFeed hears the cases_changed trigger (migration 00011) on a connection of its own,
// outside the pool (whose few connections serve the citizens' hops), and fans what it hears
// out to this process's listeners. It starts with the first listener and runs until Close.
type caseFeed struct {
	hub    casefeed.Hub
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the listening goroutine has ended (or never started)
	// ready is closed once the first LISTEN is in place, or its first attempt failed.
	ready     chan struct{}
	readyOnce sync.Once
}

// WatchCases hears every committed case change in this schema, from every replica. The
// first call returns once the listening connection is in place, so that a change committed
// after it returns is heard.
func (s *Store) WatchCases(ctx context.Context) (<-chan crm.CaseEvent, error) {
	ch := s.feed.hub.Subscribe(ctx)
	s.feed.once.Do(func() {
		go func() {
			defer close(s.feed.done)
			s.listen(s.feed.ctx)
		}()
	})
	select {
	case <-s.feed.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return ch, nil
}

func newCaseFeed() *caseFeed {
	ctx, cancel := context.WithCancel(context.Background())
	return &caseFeed{ctx: ctx, cancel: cancel, done: make(chan struct{}), ready: make(chan struct{})}
}

// close stops the listening connection (if it started) and ends every listener.
func (f *caseFeed) close() {
	f.cancel()
	f.once.Do(func() { close(f.done) }) // never started: nothing to wait for
	<-f.done
	f.readyOnce.Do(func() { close(f.ready) })
	f.hub.Close()
}

// listen keeps a LISTEN connection open until ctx ends, reconnecting with a growing pause.
// After a reconnection the listeners get crm.Resync: changes made while nobody listened are
// not replayed, so whoever shows cases reads them again.
func (s *Store) listen(ctx context.Context) {
	pause := 100 * time.Millisecond
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			s.feed.hub.Publish(crm.Resync)
		}
		heard, err := s.listenOnce(ctx)
		s.feed.readyOnce.Do(func() { close(s.feed.ready) }) // the first attempt failed: do not hold callers
		if ctx.Err() != nil {
			return
		}
		if heard {
			pause = 100 * time.Millisecond
		}
		slog.Warn("postgres: case feed lost its connection; reconnecting", "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// listenOnce opens a connection, listens, and relays notifications until the connection
// fails or ctx ends. heard reports whether it got as far as listening.
func (s *Store) listenOnce(ctx context.Context) (heard bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return false, fmt.Errorf("schema: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{"huduma_cases:" + schema}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	s.feed.readyOnce.Do(func() { close(s.feed.ready) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		var p struct {
			ID       int64  `json:"id"`
			Version  int    `json:"version"`
			Queue    string `json:"queue"`
			Centre   string `json:"centre"`
			Status   string `json:"status"`
			Assignee *int64 `json:"assignee"`
		}
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil || p.ID == 0 {
			slog.Error("postgres: case feed: unreadable notification", "err", errors.Join(err, errors.New("no id")))
			continue
		}
		ev := crm.CaseEvent{ID: p.ID, Version: p.Version, Queue: crm.Queue(p.Queue), Centre: p.Centre, Status: crm.CaseStatus(p.Status)}
		if p.Assignee != nil {
			ev.AssigneeID = *p.Assignee
		}
		s.feed.hub.Publish(ev)
	}
}

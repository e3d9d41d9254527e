package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// A case changed through one replica is heard by a listener on another: the feed is the
// database's, not the process's. A change made by plain SQL (an operator's fix) is heard
// too, and a listener on another schema hears nothing of it.
func TestCaseFeedReachesEveryReplica(t *testing.T) {
	url := storetest.PostgresSchema(t)
	a, b := openURL(t, url), openURL(t, url)
	if err := a.Migrate(storetest.Context(t)); err != nil {
		t.Fatal(err)
	}
	elsewhere := open(t) // another schema, as another deployment on the same server
	ctx, cancel := context.WithCancel(storetest.Context(t))
	defer cancel()
	heard, err := b.WatchCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := elsewhere.WatchCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := a.CreateCase(storetest.Context(t), crm.Case{Number: "123456782", Kind: crm.KindComplaint, Category: crm.CategoryLongWait,
		Queue: crm.QueueGeneral, Phone: "+254712000001", Lang: crm.English, Status: crm.CaseNew, Level: crm.LevelAgent},
		crm.AuditEntry{Actor: "citizen", Action: "created"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wait := func(what string) crm.CaseEvent {
		t.Helper()
		select {
		case ev := <-heard:
			return ev
		case <-time.After(10 * time.Second):
			t.Fatalf("replica b heard nothing of %s", what)
		}
		return crm.CaseEvent{}
	}
	if ev := wait("the new case"); ev.ID != c.ID || ev.Queue != crm.QueueGeneral || ev.Status != crm.CaseNew {
		t.Fatalf("heard %+v", ev)
	}
	sql, err := pgx.Connect(storetest.Context(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer sql.Close(context.Background())
	if _, err := sql.Exec(storetest.Context(t), `UPDATE cases SET status = 'in_progress', version = version + 1 WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	if ev := wait("an update in SQL"); ev.ID != c.ID || ev.Status != crm.CaseInProgress || ev.Version != 2 {
		t.Fatalf("heard %+v", ev)
	}
	select {
	case ev := <-other:
		t.Fatalf("another schema's listener heard %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}

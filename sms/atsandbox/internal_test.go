package atsandbox

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// The sandbox keeps the most recent messages, newest first, however many it handled.
func TestStoreKeepsTheMostRecent(t *testing.T) {
	for _, added := range []int{0, 3, 5, 6, 10, 11, 23} {
		t.Run(fmt.Sprint(added), func(t *testing.T) {
			s := store{max: 5}
			for i := range added {
				s.add(&Message{ID: fmt.Sprint(i)})
				s.addCall(Call{SessionID: fmt.Sprint(i)})
			}
			msgs, calls := s.list(), s.listCalls()
			want := min(added, 5)
			if len(msgs) != want || len(calls) != want {
				t.Fatalf("kept %d messages and %d calls of %d, want %d", len(msgs), len(calls), added, want)
			}
			for i := range want {
				id := fmt.Sprint(added - 1 - i)
				if msgs[i].ID != id || calls[i].SessionID != id {
					t.Errorf("position %d: message %s, call %s; want %s", i, msgs[i].ID, calls[i].SessionID, id)
				}
			}
			if len(s.messages) > 2*s.max {
				t.Errorf("holds %d messages; at most twice the %d it shows", len(s.messages), s.max)
			}
		})
	}
}

// Delivery reports posted together reuse the connections of the reports before them: a
// drain brings a thousand a second, and a connection each cost more than the reports.
func TestReportsReuseConnections(t *testing.T) {
	var mu sync.Mutex
	opened := 0
	gw := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	gw.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	gw.Start()
	defer gw.Close()
	s, err := New(Config{Username: "huduma", APIKey: "sandbox-key-123", DeliveryURL: gw.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const together, rounds = 16, 4
	for range rounds {
		var wg sync.WaitGroup
		for range together {
			wg.Go(func() {
				if code, err := s.postForm(gw.URL, url.Values{"id": {"ATXid_1"}, "status": {"Success"}}); err != nil || code != http.StatusOK {
					t.Errorf("report: HTTP %d, %v", code, err)
				}
			})
		}
		wg.Wait()
	}
	if opened > together {
		t.Errorf("%d rounds of %d reports opened %d connections; at most %d (the first round's)", rounds, together, opened, together)
	}
}

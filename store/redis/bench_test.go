package redis

import (
	"context"
	"fmt"
	"testing"

	"github.com/huduma-connect/huduma/flows"
)

// BenchmarkHop is what one USSD hop asks of the session store: load the session, save it
// back. The session is the size of a county-list screen.
//
//	go test -run '^$' -bench . -benchmem ./store/redis/
func BenchmarkHop(b *testing.B) {
	client := connect(b)
	ctx := context.Background()
	st := New(client, Options{Prefix: uniquePrefix(b, client)})
	s := &flows.Session{ID: "ATUid_bench", Phone: "+254700000001", Lang: "en", State: "book_county",
		Screen: flows.Screen{Key: "book.county", Text: "Choose county:", Input: flows.InputChoice, Nav: true}}
	for i := range 47 {
		s.Screen.Options = append(s.Screen.Options, flows.Option{Label: fmt.Sprintf("County %d", i), Value: fmt.Sprintf("County %d", i)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Hops = i
		if err := st.Save(ctx, s, false); err != nil {
			b.Fatal(err)
		}
		if _, err := st.Load(ctx, s.ID); err != nil {
			b.Fatal(err)
		}
	}
}

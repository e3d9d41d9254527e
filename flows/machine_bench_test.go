package flows

import (
	"context"
	"testing"

	"github.com/looplab/fsm"
)

// BenchmarkMachine weighs the engine's pool of menu machines against building one per hop:
// go test -run '^$' -bench Machine -benchmem ./flows/
func BenchmarkMachine(b *testing.B) {
	e := &Engine{}
	e.menu, e.table = e.defineMenu()
	callbacks := fsm.Callbacks{"enter_state": func(context.Context, *fsm.Event) {}}
	e.machines.New = func() any { return fsm.NewFSM(stateMain, e.table, callbacks) }
	ctx := context.Background()
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := e.machines.Get().(*fsm.FSM)
			m.SetState(stateMain)
			if err := m.Event(ctx, eventBook); err != nil {
				b.Fatal(err)
			}
			e.machines.Put(m)
		}
	})
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := fsm.NewFSM(stateMain, e.table, callbacks)
			m.SetState(stateMain)
			if err := m.Event(ctx, eventBook); err != nil {
				b.Fatal(err)
			}
		}
	})
}

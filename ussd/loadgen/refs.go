package loadgen

import (
	"math/rand/v2"
	"sync"

	"github.com/huduma-connect/huduma/crm"
)

// refsKept bounds the references a run remembers: status checks look up recent ones, and a
// long run must not grow without end.
const refsKept = 1024

// refBook is the references a run was given (Journey.Remember), shared by all its sessions:
// the most recent refsKept of them.
type refBook struct {
	mu   sync.Mutex
	refs []crm.Reference
	next int // where the next one goes once the book is full
}

func (b *refBook) add(r crm.Reference) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.refs) < refsKept {
		b.refs = append(b.refs, r)
		return
	}
	b.refs[b.next] = r
	b.next = (b.next + 1) % refsKept
}

// pick is any one of them; ok is false while the run has been given none.
func (b *refBook) pick(rng *rand.Rand) (crm.Reference, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.refs) == 0 {
		return "", false
	}
	return b.refs[rng.IntN(len(b.refs))], true
}

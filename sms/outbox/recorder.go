package outbox

import (
	"context"
	"time"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/groupcommit"
)

// conns bounds how many of the store's connections the worker holds at once, so that while
// a backlog drains the citizens' hops still find connections free: every claim and every
// write of the worker runs inside do.
type conns chan struct{}

func newConns(n int) conns { return make(conns, n) }

// do runs f holding one of the connections, waiting for one while ctx allows.
func (c conns) do(ctx context.Context, f func(context.Context) error) error {
	select {
	case c <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c }()
	return f(ctx)
}

// maxRecorded is the most sends one write records.
const maxRecorded = 256

// recording is a send Africa's Talking accepted, to be recorded.
type recording struct {
	sent       crm.Sent
	leaseUntil time.Time
}

// newRecorder makes what records the sends Africa's Talking accepted, many in one write:
// the sends that finish while a write runs go together in the next (see groupcommit). A
// send counts as recorded only once its write committed. The write of a batch is retried
// as one until the earliest lease of its rows nearly runs out (see Worker.persist); each
// send gets its own row's outcome, or the error of the write.
func newRecorder(w *Worker) *groupcommit.Writer[recording, error] {
	return groupcommit.New(maxRecorded, func(batch []recording) ([]error, error) {
		sent := make([]crm.Sent, len(batch))
		lease := batch[0].leaseUntil
		for i, r := range batch {
			sent[i] = r.sent
			if r.leaseUntil.Before(lease) {
				lease = r.leaseUntil
			}
		}
		w.m.recordBatch.Observe(float64(len(batch)))
		now := w.cfg.Now()
		var errs []error
		err := w.persist(w.log, lease, "mark sent", func(ctx context.Context) error {
			var err error
			errs, err = w.store.MarkSentAll(ctx, sent, now)
			return err
		})
		return errs, err
	})
}

// recordSent has a send recorded and returns its row's outcome: nil, a lost claim, or the
// error that outlasted the lease.
func (w *Worker) recordSent(r crm.ClaimedNotification, s crm.Sent) error {
	rowErr, err := w.rec.Do(recording{sent: s, leaseUntil: r.LeaseUntil})
	if err != nil {
		return err
	}
	return rowErr
}

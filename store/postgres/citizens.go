package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/huduma-connect/huduma/crm"
)

// Language is the phone's remembered language, "" if none was chosen yet. A choice this
// process has not written yet (see languageWriter) is answered from memory.
func (s *Store) Language(ctx context.Context, phone crm.Phone) (crm.Lang, error) {
	if l, ok := s.langs.pending(phone); ok {
		return l, nil
	}
	var l crm.Lang
	err := s.pool.QueryRow(ctx, `SELECT lang FROM citizens WHERE phone = $1`, phone).Scan(&l)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: language: %w", err)
	}
	return l, nil
}

// SetLanguage remembers the phone's language, replacing an earlier choice. It returns once
// the choice is queued for the next batch write (languageWriter), not once it is committed:
// this store's one exception to "committed on return".
func (s *Store) SetLanguage(ctx context.Context, phone crm.Phone, lang crm.Lang) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: set language: %w", err)
	}
	s.langs.queue(phone, lang)
	return nil
}

// flushLanguages writes every queued language choice now, for reads that join citizens in
// SQL and must see them.
func (s *Store) flushLanguages(ctx context.Context) error {
	if err := s.langs.flush(ctx); err != nil {
		return fmt.Errorf("postgres: write languages: %w", err)
	}
	return nil
}

// languageWriter writes language choices in batches, one statement for all the choices made
// since the last one.
//
// Every first-time caller's second hop is a language choice. Written one by one, each was a
// round trip and a transaction of its own, about a quarter of the database's work in a
// booking session, for a preference that is not something the citizen was told is done: if
// the process or the server crashed in the moment before the batch reached the disk, the
// citizen would only be asked again. So choices are collected for a few milliseconds and
// written together (without waiting for the disk), and this process answers its own reads
// from the choices not yet written. Another replica sees a choice once its batch is written;
// a citizen cannot dial again within that moment.
type languageWriter struct {
	pool   *pgxpool.Pool
	linger time.Duration
	log    *slog.Logger

	mu      sync.Mutex
	queued  map[crm.Phone]crm.Lang // not yet being written
	writing map[crm.Phone]crm.Lang // the batch being written
	wake    chan struct{}          // a choice was queued (buffered 1)
	// round ends with the next batch write; flush waits on it.
	round *round

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// languageLinger is how long the writer waits after the first choice of a batch for others
// to join it: long enough to gather the choices of a busy moment, short against the seconds
// before a citizen could dial again.
const languageLinger = 5 * time.Millisecond

func newLanguageWriter(pool *pgxpool.Pool, log *slog.Logger) *languageWriter {
	w := &languageWriter{
		pool: pool, linger: languageLinger, log: log,
		queued: map[crm.Phone]crm.Lang{}, wake: make(chan struct{}, 1), round: newRound(),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

func (w *languageWriter) queue(phone crm.Phone, l crm.Lang) {
	w.mu.Lock()
	w.queued[phone] = l
	w.mu.Unlock()
	w.kick()
}

// kick wakes the writer; a wake already pending is enough.
func (w *languageWriter) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// pending is the choice for phone not yet written, if any: the newest one.
func (w *languageWriter) pending(phone crm.Phone) (crm.Lang, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if l, ok := w.queued[phone]; ok {
		return l, true
	}
	l, ok := w.writing[phone]
	return l, ok
}

func (w *languageWriter) run() {
	defer close(w.done)
	for {
		select {
		case <-w.wake:
		case <-w.stop:
			w.closeWith()
			return
		}
		select {
		case <-time.After(w.linger):
		case <-w.stop:
		}
		if err := w.writeBatch(context.Background()); err != nil {
			w.log.Error("writing language choices; retrying", "err", err)
			select {
			case <-time.After(time.Second):
				w.kick() // the failed choices are queued again: try them again
			case <-w.stop:
				w.closeWith()
				return
			}
		}
	}
}

// closeWith writes what is queued on the way out, bounded so a dead database cannot hold up
// a shutdown.
func (w *languageWriter) closeWith() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.writeBatch(ctx); err != nil {
		w.log.Error("language choices lost at shutdown", "err", err)
	}
}

// writeBatch writes the queued choices in one statement. On failure they go back to the
// queue, behind any newer choice for the same phone, and the error is returned.
func (w *languageWriter) writeBatch(ctx context.Context) error {
	w.mu.Lock()
	batch, r := w.queued, w.round
	w.writing, w.queued, w.round = batch, make(map[crm.Phone]crm.Lang, len(batch)), newRound()
	w.mu.Unlock()
	if len(batch) == 0 {
		w.mu.Lock()
		w.writing = nil
		w.mu.Unlock()
		r.end(nil)
		return nil
	}

	phones, langs := make([]string, 0, len(batch)), make([]string, 0, len(batch))
	for p, l := range batch {
		phones, langs = append(phones, string(p)), append(langs, string(l))
	}
	// synchronous_commit off for this transaction only: see the type's comment.
	_, err := w.pool.Exec(ctx, `INSERT INTO citizens (phone, lang, updated_at)
		SELECT c.phone, c.lang, now()
		FROM unnest($1::text[], $2::text[]) AS c(phone, lang),
			(SELECT set_config('synchronous_commit', 'off', true)) AS this_transaction_only
		ON CONFLICT (phone) DO UPDATE SET lang = EXCLUDED.lang, updated_at = EXCLUDED.updated_at`, phones, langs)

	w.mu.Lock()
	if err != nil {
		for p, l := range batch {
			if _, newer := w.queued[p]; !newer {
				w.queued[p] = l
			}
		}
	}
	w.writing = nil
	w.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("%d language choices: %w", len(batch), err)
	}
	r.end(err)
	return err
}

// round is one batch write that flushes can wait for.
type round struct {
	done chan struct{}
	err  error
}

func newRound() *round { return &round{done: make(chan struct{})} }

func (r *round) end(err error) {
	r.err = err
	close(r.done)
}

// flush returns once every choice queued before it was called is written, or with the error
// that kept them from being written.
func (w *languageWriter) flush(ctx context.Context) error {
	w.mu.Lock()
	busy := len(w.queued) > 0 || w.writing != nil
	r := w.round // the write of everything queued now; one being written ends before it
	w.mu.Unlock()
	if !busy {
		return nil
	}
	w.kick()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return errors.New("store closed")
	}
}

// close writes what is queued and stops the writer. Closing twice is harmless, as closing
// the pool is.
func (w *languageWriter) close() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
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
// this store's one exception to "committed on return". After Close it writes at once.
func (s *Store) SetLanguage(ctx context.Context, phone crm.Phone, lang crm.Lang) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: set language: %w", err)
	}
	choice := languageChoice{lang: lang, at: time.Now()}
	if s.langs.queue(phone, choice) {
		return nil
	}
	if err := writeLanguages(ctx, s.pool, map[crm.Phone]languageChoice{phone: choice}); err != nil {
		return fmt.Errorf("postgres: set language: %w", err)
	}
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
	queued  map[crm.Phone]languageChoice // not yet being written
	writing map[crm.Phone]languageChoice // the batch being written
	stopped bool                         // closed: choices are no longer queued
	wake    chan struct{}                // a choice was queued (buffered 1)
	// round ends with the next batch write; flush waits on it.
	round *round

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// languageChoice is a choice and when it was made: a batch retried after an outage must not
// overwrite a later choice written meanwhile (by another replica, or by SMS), so each row
// carries the time of its choice and only a later one replaces it.
type languageChoice struct {
	lang crm.Lang
	at   time.Time
}

// languageLinger is how long the writer waits after the first choice of a batch for others
// to join it: long enough to gather the choices of a busy moment, short against the seconds
// before a citizen could dial again.
const languageLinger = 5 * time.Millisecond

// languageWriteTimeout bounds one batch write, so that a lock on citizens or a dead
// connection can hold up neither a shutdown nor the reminders for long.
const languageWriteTimeout = 5 * time.Second

func newLanguageWriter(pool *pgxpool.Pool, log *slog.Logger) *languageWriter {
	w := &languageWriter{
		pool: pool, linger: languageLinger, log: log,
		queued: map[crm.Phone]languageChoice{}, wake: make(chan struct{}, 1), round: newRound(),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// queue adds a choice to the next batch. It reports false once the writer is closed: the
// caller writes the choice itself.
func (w *languageWriter) queue(phone crm.Phone, c languageChoice) bool {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return false
	}
	if prev, ok := w.queued[phone]; !ok || !c.at.Before(prev.at) {
		w.queued[phone] = c
	}
	w.mu.Unlock()
	w.kick()
	return true
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
	if c, ok := w.queued[phone]; ok {
		return c.lang, true
	}
	c, ok := w.writing[phone]
	return c.lang, ok
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
		if err := w.writeBatch(); err != nil {
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

// closeWith stops queueing and writes what is queued on the way out.
func (w *languageWriter) closeWith() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	if err := w.writeBatch(); err != nil {
		w.log.Error("language choices lost at shutdown", "err", err)
	}
}

// writeBatch writes the queued choices in one statement. On failure they go back to the
// queue, behind any newer choice for the same phone, and the error is returned.
func (w *languageWriter) writeBatch() error {
	w.mu.Lock()
	batch, r := w.queued, w.round
	w.writing, w.queued, w.round = batch, make(map[crm.Phone]languageChoice, len(batch)), newRound()
	w.mu.Unlock()
	var err error
	if len(batch) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), languageWriteTimeout)
		err = writeLanguages(ctx, w.pool, batch)
		cancel()
	}
	w.mu.Lock()
	if err != nil {
		for p, c := range batch {
			if newer, ok := w.queued[p]; !ok || newer.at.Before(c.at) {
				w.queued[p] = c
			}
		}
		err = fmt.Errorf("%d language choices: %w", len(batch), err)
	}
	w.writing = nil
	w.mu.Unlock()
	r.end(err)
	return err
}

// writeLanguages upserts choices in one statement, phones in order (two replicas' batches
// then lock the same rows in the same order and cannot deadlock), each replacing only an
// older choice. synchronous_commit is off for this transaction only: see languageWriter.
func writeLanguages(ctx context.Context, pool *pgxpool.Pool, choices map[crm.Phone]languageChoice) error {
	phones := slices.Sorted(maps.Keys(choices))
	langs, ats := make([]string, len(phones)), make([]time.Time, len(phones))
	for i, p := range phones {
		langs[i], ats[i] = string(choices[p].lang), choices[p].at
	}
	_, err := pool.Exec(ctx, `INSERT INTO citizens (phone, lang, updated_at)
		SELECT c.phone, c.lang, c.at
		FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS c(phone, lang, at),
			(SELECT set_config('synchronous_commit', 'off', true)) AS this_transaction_only
		ON CONFLICT (phone) DO UPDATE SET lang = EXCLUDED.lang, updated_at = EXCLUDED.updated_at
		WHERE citizens.updated_at <= EXCLUDED.updated_at`, phones, langs, ats)
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

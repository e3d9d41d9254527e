package web

import (
	"bufio"
	"context"
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// How an event stream stays up: a comment every streamPing keeps proxies from closing it and
// finds a browser that went away; each write gets streamWrite to complete. The server's own
// WriteTimeout (10 s) is for ordinary answers, and would cut a stream that outlives it.
const (
	streamPing  = 15 * time.Second
	streamWrite = 30 * time.Second
)

// presencePoll is how often a case page's stream asks who else has the case open. The records
// are in the store, so this sees pages that other replicas serve.
const presencePoll = 2 * time.Second

// events is GET /console/events: Server-Sent Events telling an open console that cases it may
// see changed, from any replica (crm.Office.WatchCases). The inbox re-reads its list on
// "cases"; a case page drawn at version V (?case=ID&version=V) gets "case" when that case
// moves past V, with a notice to reload, and "viewers" when the others who have the case open
// change (the stream itself is this page's presence: open while it is).
func (w *Console) events(c *fiber.Ctx, u crm.User) error {
	var watchID int64
	var watchVersion int
	if s := c.Query("case"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		v, verr := strconv.Atoi(c.Query("version"))
		if err != nil || verr != nil || id <= 0 {
			return c.Status(fiber.StatusBadRequest).SendString("case and version must be numbers\n")
		}
		watchID, watchVersion = id, v
	}
	ctx, cancel := context.WithCancel(w.ctx)
	var presence *casePresence
	if watchID != 0 {
		p, err := w.openPresence(ctx, c, u, watchID)
		if err != nil {
			cancel()
			return w.failPage(c, u, err)
		}
		presence = p
	}
	events, err := w.office.WatchCases(ctx)
	if err != nil {
		cancel()
		presence.close()
		return w.failPage(c, u, err)
	}
	notice := `<p class="error" role="alert">` + template.HTMLEscapeString(w.cat.T(langFor(c, u), "err.changed")) + `</p>`
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	conn := c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		defer cancel()
		defer presence.close()
		ping := time.NewTicker(streamPing)
		defer ping.Stop()
		var poll <-chan time.Time // stays nil, never ready, on a stream that shows no case
		if presence != nil {
			t := time.NewTicker(presencePoll)
			defer t.Stop()
			poll = t.C
		}
		write := func(s string) bool {
			_ = conn.SetWriteDeadline(time.Now().Add(streamWrite))
			if _, err := bw.WriteString(s); err != nil {
				return false
			}
			return bw.Flush() == nil
		}
		if !write("retry: 2000\n: live\n\n") {
			return
		}
		if presence != nil && !write(presence.update(ctx, true)) {
			return
		}
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					return // shutting down; the browser reconnects to another replica
				}
				if !ev.VisibleTo(u) {
					continue
				}
				msg := fmt.Sprintf("event: cases\ndata: %d\n\n", ev.ID)
				if watchID != 0 && (ev.ID == watchID && ev.Version > watchVersion || ev.ID == 0) {
					msg += "event: case\ndata: " + notice + "\n\n"
				}
				if !write(msg) {
					return
				}
			case <-poll:
				// Always write something: a stream whose page has closed is found at the next
				// write, and its presence record should not outlive the page by a ping period.
				msg := presence.update(ctx, false)
				if msg == "" {
					msg = ":\n\n"
				}
				if !write(msg) {
					return
				}
			case <-ping.C:
				if !write(": ping\n\n") {
					return
				}
			}
		}
	})
	return nil
}

// Close ends every event stream (before the server shuts down, which waits for them).
func (w *Console) Close() { w.stop() }

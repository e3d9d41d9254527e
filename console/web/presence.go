package web

import (
	"context"
	"crypto/rand"
	"html/template"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

// casePresence is one open case page's record of being open, kept by its event stream: made
// when the stream starts, refreshed while it runs, removed when it ends.
type casePresence struct {
	office  *crm.Office
	log     *slog.Logger
	user    crm.User
	caseID  int64
	session string
	words   func(names string) string
	shown   string    // the last viewers line the page was sent
	touched time.Time // when the record was last refreshed, by the wall clock
}

func (w *Console) openPresence(ctx context.Context, c *fiber.Ctx, u crm.User, caseID int64) (*casePresence, error) {
	lang := langFor(c, u)
	p := &casePresence{
		office: w.office, log: w.log, user: u, caseID: caseID, session: rand.Text(),
		words:   func(names string) string { return w.cat.T(lang, "case.viewers", "names", names) },
		touched: time.Now(),
	}
	if err := w.office.OpenCase(ctx, u, caseID, p.session); err != nil {
		return nil, err
	}
	return p, nil
}

// update refreshes the record when it is due and answers the "viewers" event to send: the
// others who have the case open, or nothing when they are the same as last sent (unless
// force). A store that fails leaves the line as it was: presence is a courtesy, not worth
// ending the stream for.
func (p *casePresence) update(ctx context.Context, force bool) string {
	if time.Since(p.touched) >= crm.ViewerRefresh {
		if err := p.office.StillOpen(ctx, p.user, p.caseID, p.session); err != nil {
			p.log.Warn("case presence not refreshed", "case", p.caseID, "err", err)
		} else {
			p.touched = time.Now()
		}
	}
	names, err := p.office.OthersViewing(ctx, p.user, p.caseID)
	if err != nil {
		p.log.Warn("case presence not read", "case", p.caseID, "err", err)
		return ""
	}
	line := ""
	if len(names) > 0 {
		line = `<p class="viewers">` + template.HTMLEscapeString(p.words(joinNames(names))) + `</p>`
	}
	if line == p.shown && !force {
		return ""
	}
	p.shown = line
	return "event: viewers\ndata: " + line + "\n\n"
}

// close removes the record; the stream's own context is over by then.
func (p *casePresence) close() {
	if p == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.office.CloseCase(ctx, p.session); err != nil {
		p.log.Warn("case presence not removed", "case", p.caseID, "err", err)
	}
}

package ussd_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/ussd"
	"github.com/valyala/fasthttp"
)

// BenchmarkHop measures one USSD hop through the in-process handler (fiber's handler on a
// fasthttp request, no socket), over the real menus, SQLite and in-memory sessions:
//
//   - first: a new session for a phone whose language is known → main menu (one SQL read of
//     the citizen's language; the catalogue comes from memory);
//   - menu: main menu → county list (no SQL at all);
//   - times: day chosen → the free times of that day (from the desk's copy of the full slots,
//     read from SQL at most once a second).
//
// Run: go test -run '^$' -bench Hop -benchmem ./ussd/
func BenchmarkHop(b *testing.B) {
	// The log at DEBUG, as the tests have it, but thrown away: formatting the hop's line is
	// part of what a hop costs with debugging on.
	g := newGateway(b, 1000, ussd.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	handler := g.app.Handler()
	// Each session has its own phone, as in real traffic (and so that no session is offered
	// another's dropped booking to resume); every phone has chosen English before.
	phoneOf := func(session string) string {
		n, _ := strconv.Atoi(session[strings.LastIndexByte(session, '-')+1:])
		p := "+2547" + strconv.Itoa(10000000+n)
		return p
	}
	hop := func(session, text string) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod(fiber.MethodPost)
		ctx.Request.SetRequestURI("/at/ussd")
		ctx.Request.Header.SetContentType(fiber.MIMEApplicationForm)
		ctx.Request.SetBodyString("sessionId=" + session + "&serviceCode=%2A384%2A50%23&phoneNumber=" + url.QueryEscape(phoneOf(session)) + "&networkCode=63902&text=" + url.QueryEscape(text))
		handler(&ctx)
		if ctx.Response.StatusCode() != 200 || !strings.HasPrefix(string(ctx.Response.Body()), "CON ") {
			b.Fatalf("hop %q: %d %s", text, ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	// prepare opens n sessions and walks each through the given hops, so that the timed loop
	// finds every session in the same state.
	seq := 0
	prepare := func(prefix string, n int, texts ...string) []string {
		ids := make([]string, n)
		for i := range ids {
			seq++ // unique across the benchmark's repeated runs with growing b.N
			ids[i] = prefix + strconv.Itoa(seq)
			if err := g.world.Desk.SetLanguage(context.Background(), crm.Phone(phoneOf(ids[i])), crm.English); err != nil {
				b.Fatal(err)
			}
			for _, t := range texts {
				hop(ids[i], t)
			}
		}
		return ids
	}

	b.Run("first", func(b *testing.B) {
		ids := prepare("first-", b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			hop(ids[i], "")
		}
	})
	b.Run("menu", func(b *testing.B) {
		ids := prepare("menu-", b.N, "")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			hop(ids[i], "1")
		}
	})
	b.Run("times", func(b *testing.B) {
		// Kisumu is county 17; its one centre; birth certificate is service 3.
		ids := prepare("times-", b.N, "", "1", "1*98", "1*98*98", "1*98*98*17", "1*98*98*17*1", "1*98*98*17*1*3")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			hop(ids[i], "1*98*98*17*1*3*1")
		}
	})
}

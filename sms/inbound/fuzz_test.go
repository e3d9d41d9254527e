package inbound_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/sms/inbound"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

// Whatever an incoming SMS carries, the answer is 200 (read, perhaps as the help reply) or a
// 400 for what is no message at all: never a 500, which Africa's Talking would retry for
// ever while the citizen waits. Seeds in testdata/fuzz/FuzzIncoming.
func FuzzIncoming(f *testing.F) {
	f.Add("ATXid_f1", "+254711000111", "HELP")
	f.Add("ATXid_f2", "+254711000111", "MALALAMIKO foleni\x00ndefu")
	f.Add("ATXid_f3", "+254711000111", "STATUS \xff\xfe")
	f.Add("ATXid_f4", "0711000111", "GHAIRI 600042550")
	f.Add("ATXid\x00", "+25471100\x00", "")
	w := newWorld(f, realstore.Kinds[0].OpenSeeded(f))
	w.logs.AllowErrors()
	f.Fuzz(func(t *testing.T, id, from, text string) {
		form := url.Values{"id": {id}, "from": {from}, "to": {"40404"}, "text": {text}, "date": {"2026-11-24 06:00:00"}}
		req := httptest.NewRequest(http.MethodPost, inbound.Path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := w.app.Test(req, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	})
}

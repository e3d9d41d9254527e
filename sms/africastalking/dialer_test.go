package africastalking_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/sms/africastalking"
	"github.com/huduma-connect/huduma/sms/atsandbox"
)

const contactCentre = "+254711082000"

// sandboxDialer is a VoiceDialer from contactCentre against the local stand-in.
func sandboxDialer(t *testing.T) (africastalking.VoiceDialer, *atsandbox.Server) {
	t.Helper()
	sb, err := atsandbox.New(atsandbox.Config{Username: "huduma", APIKey: apiKey, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return africastalking.VoiceDialer{Client: client(srv.URL), From: contactCentre}, sb
}

func TestVoiceDialerCallsThroughTheSandbox(t *testing.T) {
	d, sb := sandboxDialer(t)
	session, err := d.Call(context.Background(), "+254712345678", "case-123456789-user-4")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(session, "ATVId_") {
		t.Errorf("session %q, want an ATVId_", session)
	}
	calls := sb.Calls()
	if len(calls) != 1 || calls[0].SessionID != session || calls[0].From != contactCentre ||
		calls[0].To != "+254712345678" || calls[0].ClientRequestID != "case-123456789-user-4" {
		t.Errorf("the sandbox saw %+v", calls)
	}

	d.From = "not-our-number" // AT refuses an unknown caller ID
	if _, err := d.Call(context.Background(), "+254712345678", ""); !errors.Is(err, africastalking.ErrPermanent) {
		t.Errorf("refused caller ID: err = %v, want ErrPermanent", err)
	}
}

func TestVoiceDialerCallRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    reply
		want error
	}{
		{"the number is refused", reply{status: 200, fixture: "call_invalid_number.json"}, africastalking.ErrPermanent},
		{"no entry at all", reply{status: 200, fixture: "call_no_entries.json"}, africastalking.ErrPermanent},
		{"refused with an error message", reply{status: 200, fixture: "call_refused.json"}, africastalking.ErrPermanent},
		{"bad credentials", reply{status: 401, fixture: "unauthorized.txt"}, africastalking.ErrUnauthorized},
		{"AT is down", reply{status: 503}, africastalking.ErrRetryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAT(t, tc.r)
			d := africastalking.VoiceDialer{Client: client(f.URL), From: contactCentre}
			session, err := d.Call(context.Background(), "+254711000111", "")
			if !errors.Is(err, tc.want) || session != "" {
				t.Fatalf("Call: %q, %v; want no session and %v", session, err, tc.want)
			}
			if strings.Contains(err.Error(), apiKey) {
				t.Fatalf("the error shows the API key: %v", err)
			}
		})
	}
}

func TestVoiceDialerQueuedCalls(t *testing.T) {
	d, sb := sandboxDialer(t)
	got, err := d.QueuedCalls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"": 0}; !maps.Equal(got, want) {
		t.Errorf("no queue set: %v, want %v", got, want)
	}
	sb.SetQueuedIn(contactCentre, "agents-en", 3)
	sb.SetQueuedIn(contactCentre, "agents-sw", 1)
	sb.SetQueuedIn("+254711082999", "agents-en", 7) // another of our numbers: not asked about
	if got, err = d.QueuedCalls(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"agents-en": 3, "agents-sw": 1}; !maps.Equal(got, want) {
		t.Errorf("queues %v, want %v", got, want)
	}

	// Entries naming the same queue add up (counts as numbers or strings).
	f := newFakeAT(t, reply{status: 201, fixture: "queue_status_named.json"})
	got, err = africastalking.VoiceDialer{Client: client(f.URL), From: contactCentre}.QueuedCalls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"agents-en": 3, "agents-sw": 3}; !maps.Equal(got, want) {
		t.Errorf("queues %v, want %v", got, want)
	}
	if r := f.last(t); r.path != "/queueStatus" || r.form.Get("phoneNumbers") != contactCentre {
		t.Errorf("request %s %v", r.path, r.form)
	}

	f = newFakeAT(t, reply{status: 503})
	_, err = africastalking.VoiceDialer{Client: client(f.URL), From: contactCentre}.QueuedCalls(context.Background())
	if !errors.Is(err, africastalking.ErrRetryable) {
		t.Errorf("AT down: %v, want ErrRetryable", err)
	}
}

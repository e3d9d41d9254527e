package africastalking_test

import (
	"context"
	"testing"

	"github.com/huduma-connect/huduma/sms/africastalking"
)

func TestCall(t *testing.T) {
	f := newFakeAT(t, reply{status: 200, fixture: "call_queued.json"})
	got, err := client(f.URL).Call(context.Background(), "+254711082000", "+254711000111", "case:123456789")
	if err != nil {
		t.Fatal(err)
	}
	want := africastalking.CallEntry{PhoneNumber: "+254711000111", Status: "Queued", SessionID: "ATVId_0d3c0a0e5e4b1c9a8f7e6d5c4b3a2f1e"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %+v", got)
	}
	r := f.last(t)
	if r.path != "/call" || r.form.Get("from") != "+254711082000" || r.form.Get("to") != "+254711000111" ||
		r.form.Get("clientRequestId") != "case:123456789" || r.form.Get("username") != "huduma" || r.header.Get("apiKey") != apiKey {
		t.Errorf("request %s %v", r.path, r.form)
	}
}

func TestCallRefused(t *testing.T) {
	f := newFakeAT(t, reply{status: 200, fixture: "call_refused.json"})
	_, err := client(f.URL).Call(context.Background(), "+254700000000", "+254711000111", "")
	checkFailure(t, err, africastalking.ErrPermanent)
	f = newFakeAT(t, reply{status: 401, fixture: "unauthorized.txt"})
	_, err = client(f.URL).Call(context.Background(), "+254711082000", "+254711000111", "")
	checkFailure(t, err, africastalking.ErrUnauthorized)
}

func TestQueueStatus(t *testing.T) {
	f := newFakeAT(t, reply{status: 201, fixture: "queue_status.json"})
	got, err := client(f.URL).QueueStatus(context.Background(), []string{"+254711082000", "+254711082001"})
	if err != nil {
		t.Fatal(err)
	}
	want := []africastalking.QueuedCalls{
		{PhoneNumber: "+254711082000", NumCalls: 3},
		{PhoneNumber: "+254711082001", QueueName: "agents-sw"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v", got)
	}
	r := f.last(t)
	if r.path != "/queueStatus" || r.form.Get("phoneNumbers") != "+254711082000,+254711082001" {
		t.Errorf("request %s %v", r.path, r.form)
	}
	f = newFakeAT(t, reply{status: 503})
	_, err = client(f.URL).QueueStatus(context.Background(), []string{"+254711082000"})
	checkFailure(t, err, africastalking.ErrRetryable)
}

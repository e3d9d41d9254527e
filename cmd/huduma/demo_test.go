package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
)

// Without -demo a new gateway has no users at all, and its login page says how to make the
// first one; with it, the demo people and a morning's cases in every state are there, once.
func TestDemoDataOnlyWithTheFlag(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "huduma.db")
	base, gw := startGatewayWith(t, "-db", db)
	ctx := context.Background()
	if users, err := gw.office.Users(ctx, crm.UserFilter{}); err != nil || len(users) != 0 {
		t.Fatalf("a new gateway without -demo has users %v (%v)", users, err)
	}
	resp, err := http.Get(base + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `id="first-user"`) || !strings.Contains(string(body), "agent add -username admin") {
		t.Fatal("the login page of a gateway without users does not say how to make one")
	}

	log := slog.New(slog.DiscardHandler)
	for range 2 { // the second time changes nothing
		if err := seedDemo(ctx, gw.office, log); err != nil {
			t.Fatal(err)
		}
	}
	admin := crm.User{ID: -1, Role: crm.RoleAdmin}
	all, err := gw.office.ListCases(ctx, admin, crm.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	integrity, err := gw.office.ListCases(ctx, crm.User{ID: -1, Role: crm.RoleIntegrityOfficer}, crm.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(all) + len(integrity); got != len(demoComplaints) {
		t.Fatalf("%d demo cases, want %d", got, len(demoComplaints))
	}
	states := map[crm.CaseStatus]int{}
	escalated := 0
	for _, c := range all {
		states[c.Status]++
		if c.Level > crm.LevelAgent {
			escalated++
		}
	}
	if states[crm.CaseAssigned] == 0 || states[crm.CaseResolved] != 1 || states[crm.CaseNew] == 0 || escalated != 1 {
		t.Fatalf("demo cases by status %v, escalated %d", states, escalated)
	}
	form := url.Values{"username": {"chebet"}, "password": {demoPassword}}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.PostForm(base+"/console/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("logging in as the demo supervisor: %d", resp.StatusCode)
	}
}

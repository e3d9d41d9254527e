package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest"
)

// databases are the record stores the end-to-end command tests run on, by -db URL: a fresh
// SQLite file, and a Postgres schema of the test's own.
var databases = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "huduma.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresSchema(t) }},
}

// A new user's first day, as the issue asks it to be tried: a citizen lodges a complaint with
// `huduma dial`'s client; an operator makes a supervisor with `huduma agent add`; the
// supervisor logs in to the API, finds the case and resolves it, and the citizen is told.
func TestComplaintFromDialToResolutionThroughTheAPI(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			var out bytes.Buffer
			err := agentCommand(storetest.Context(t), []string{"add", "-db", url, "-username", "Akinyi", "-name", "Akinyi Odhiambo",
				"-role", "supervisor", "-phone", "+254722000001", "-password-stdin"}, strings.NewReader("a long passphrase\n"), &out)
			if err != nil {
				t.Fatalf("agent add: %v", err)
			}
			if !strings.Contains(out.String(), `added supervisor "akinyi"`) || strings.Contains(out.String(), "passphrase") {
				t.Errorf("agent add said %q", out.String())
			}

			base, gw := startGatewayWith(t, "-db", url)
			phone := randomPhone(t)
			h := dialGateway(t, base, phone).pick("English").pick("Make a complaint").pick("Yes, a Huduma Centre").
				pick("Kisumu").pick("Kisumu").pick("Long wait or delay").pick("Skip").press("Waited 6 hours at the ID desk").pick("Confirm")
			if !h.end || !strings.Contains(h.screen, "Case ") {
				t.Fatalf("complaint ended with:\n%s", h.screen)
			}

			token := apiLogin(t, base, "akinyi", "a long passphrase")
			var list struct {
				Cases []struct {
					ID     int64  `json:"id"`
					Number string `json:"number_grouped"`
					Phone  string `json:"phone"`
				} `json:"cases"`
			}
			apiCall(t, base, token, "GET", "/api/v1/cases?centre=KSM&status=new,assigned", "", http.StatusOK, &list)
			if len(list.Cases) != 1 || !strings.Contains(h.screen, list.Cases[0].Number) || list.Cases[0].Phone != phone {
				t.Fatalf("cases = %+v, want the one just lodged (%s)", list.Cases, h.screen)
			}
			id := list.Cases[0].ID
			apiCall(t, base, token, "POST", "/api/v1/cases/"+itoa(id)+"/resolve", `{"note":"Spoke to the desk; a second clerk is now on duty."}`, http.StatusOK, nil)

			sent, err := gw.store.Notifications(storetest.Context(t), crm.NotificationFilter{Phone: crm.Phone(phone)})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, n := range sent {
				kinds = append(kinds, string(n.Kind))
			}
			if got, want := strings.Join(kinds, ","), "complaint_ack,case_resolved,satisfaction"; got != want {
				t.Errorf("messages to the citizen = %s, want %s", got, want)
			}
		})
	}
}

func apiLogin(t *testing.T, base, user, password string) string {
	t.Helper()
	var got struct {
		Token string `json:"token"`
	}
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	apiCall(t, base, "", "POST", "/api/v1/login", string(body), http.StatusOK, &got)
	return got.Token
}

func apiCall(t *testing.T, base, token, method, path, body string, want int, into any) {
	t.Helper()
	req, err := http.NewRequestWithContext(storetest.Context(t), method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestImportCommandReportsBadRows runs `huduma import requests` on a file with a bad row.
func TestImportCommandReportsBadRows(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "huduma.db")
	var out, errOut bytes.Buffer
	if err := agencyCommand(storetest.Context(t), []string{"add", "-db", url, "-code", "nrb", "-institution", "National Registration Bureau"}, &out); err != nil {
		t.Fatalf("agency add: %v", err)
	}
	if !strings.Contains(out.String(), "API key (shown once): hak_") {
		t.Errorf("agency add said %q", out.String())
	}
	file := filepath.Join(t.TempDir(), "requests.csv")
	csv := "ref,phone,service,centre,status\n600042550,+254712000001,ID-NEW,KSM,received\n600042569,+254712000002,ID-NEW,KSM,lost\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	err := importCommand(storetest.Context(t), []string{"requests", "-db", url, "-agency", "NRB", file}, &out, &errOut)
	if err == nil {
		t.Fatal("an import with a bad row succeeded")
	}
	if !strings.Contains(errOut.String(), "line 3:") || !strings.Contains(out.String(), "2 rows: 1 new") {
		t.Errorf("import said %q / %q", out.String(), errOut.String())
	}
}

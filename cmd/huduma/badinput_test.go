package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// poison are the bytes that broke endpoints before: a NUL, which Postgres refuses in text, and
// a byte that is not UTF-8.
var poison = []string{"\x00", "\xff"}

// NUL bytes and invalid UTF-8 in any field of any endpoint never give a 500, on either store:
// staff and agencies get a 4xx with a reason, and the aggregator's callbacks an answer that
// does not make it post the same thing again (a 200, or a 4xx it does not retry).
func TestBadBytesNeverGive500(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			base, gw := startGatewayWith(t, "-db", db.url(t))
			ctx := t.Context()
			_, agencyKey, err := gw.office.AddAgency(ctx, "NRB", "National Registration Bureau", gw.office.ServicesOf("National Registration Bureau"))
			if err != nil {
				t.Fatal(err)
			}
			forms := map[string]url.Values{
				"/at/ussd": {"sessionId": {"ATUid_bad"}, "serviceCode": {"*384*50#"}, "phoneNumber": {"+254712000555"},
					"networkCode": {"63902"}, "text": {"1"}},
				"/at/sms/inbound": {"id": {"ATXid_bad"}, "from": {"+254712000555"}, "to": {"40404"},
					"text": {"MALALAMIKO foleni"}, "date": {"2026-11-24 06:00:00"}, "linkId": {"x"}, "networkCode": {"63902"}},
				"/at/sms/delivery": {"id": {"ATXid_bad"}, "status": {"Failed"}, "phoneNumber": {"+254712000555"},
					"networkCode": {"63902"}, "failureReason": {"UserInBlacklist"}, "retryCount": {"0"}},
				"/at/voice": {"sessionId": {"ATVId_bad"}, "isActive": {"1"}, "direction": {"Inbound"},
					"callerNumber": {"+254712000555"}, "destinationNumber": {"+254711082000"}, "dtmfDigits": {"1"},
					"recordingUrl": {"https://voice.example/r.mp3"}, "durationInSeconds": {"3"}},
			}
			n := 0
			for path, fields := range forms {
				for name := range fields {
					for _, bad := range poison {
						n++
						form := url.Values{}
						for k, v := range fields {
							form[k] = append([]string(nil), v...)
						}
						form.Set(name, form.Get(name)[:len(form.Get(name))/2]+bad+form.Get(name)[len(form.Get(name))/2:])
						if name == "sessionId" || name == "id" {
							form.Set(name, fmt.Sprintf("%s%d", form.Get(name), n)) // not a repeat of an earlier post
						}
						code, body := send(t, http.MethodPost, base+path, "application/x-www-form-urlencoded", form.Encode(), "")
						if code >= 500 {
							t.Errorf("%s with %q in %s: %d %s", path, bad, name, code, body)
						}
						if path == "/at/ussd" && code == 200 && !strings.HasPrefix(body, "CON ") && !strings.HasPrefix(body, "END ") {
							t.Errorf("%s with %q in %s: %q is no USSD answer", path, bad, name, body)
						}
					}
				}
			}
			jsonPosts := []struct{ path, auth, body string }{
				{"/api/v1/login", "", `{"username":"ak%sinyi","password":"x%sy"}`},
				{"/api/v1/requests", agencyKey, `{"phone":"+254712000555","service":"ID-NEW","centre":"KSM","note":"lodged%s","reason":"%s"}`},
			}
			for _, p := range jsonPosts {
				for _, bad := range append(poison, `\u0000`) {
					raw := strings.ReplaceAll(p.body, "%s", bad)
					code, body := send(t, http.MethodPost, base+p.path, "application/json", raw, p.auth)
					if code >= 500 || code < 400 || !json.Valid([]byte(body)) || !strings.Contains(body, `"error"`) {
						t.Errorf("%s with %q: %d %s, want a 4xx with a reason", p.path, bad, code, body)
					}
				}
			}
			for _, q := range []string{"%00", "%FF", "phone%00=1"} {
				code, body := send(t, http.MethodGet, base+"/api/v1/requests/"+q, "", "", agencyKey)
				if code >= 500 {
					t.Errorf("GET /api/v1/requests/%s: %d %s", q, code, body)
				}
			}
			code, body := send(t, http.MethodPost, base+"/console/login", "application/x-www-form-urlencoded", "username=ak%00inyi&password=x", "")
			if code >= 500 {
				t.Errorf("console login with a NUL: %d %s", code, body)
			}
		})
	}
}

func send(t *testing.T, method, target, contentType, body, bearer string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Origin", strings.SplitN(target, "/console", 2)[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

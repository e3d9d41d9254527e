package delivery_test

import (
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/sms/delivery"
)

// Whatever a delivery report carries, the answer is never a 500 (which Africa's Talking would
// retry): an unknown or garbled report is answered and dropped. Seeds in
// testdata/fuzz/FuzzReport.
func FuzzReport(f *testing.F) {
	f.Add(knownID, "Success", "", "0")
	f.Add(knownID, "Failed", "UserInBlacklist", "2")
	f.Add("ATXid_\x00", "Success\xff", "", "-1")
	f.Add(knownID, "Rejected", "\x00", "99999999999999999999")
	rec := &recorder{known: knownID}
	app := fiber.New()
	delivery.New(rec, delivery.Config{Logger: testLogger(f)}).Mount(app)
	f.Fuzz(func(t *testing.T, id, status, reason, retries string) {
		body := url.Values{"id": {id}, "status": {status}, "failureReason": {reason}, "retryCount": {retries},
			"phoneNumber": {"+254711000111"}, "networkCode": {"63902"}}.Encode()
		if code, out := post(t, app, delivery.Path, form, body); code >= 500 {
			t.Fatalf("%d %q", code, out)
		}
	})
}

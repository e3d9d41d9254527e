package ussd_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/huduma-connect/huduma/ussd"
)

// Whatever a hop carries (any bytes in any field, a session's later hops included), the
// answer is a USSD screen or a 4xx, never a 500 that Africa's Talking would meet again on the
// citizen's next key. The seeds are in testdata/fuzz/FuzzHop; `go test -fuzz FuzzHop ./ussd/`
// looks for more.
func FuzzHop(f *testing.F) {
	f.Add("ATUid_f1", "+254712000001", "*384*50#", "")
	f.Add("ATUid_f2", "+254712000001", "*384*50#", "1*1*98*98*1")
	f.Add("ATUid_f3", "0712000001", "*384*50#", "2*\x00")
	f.Add("ATUid_f4", "+254712000001", "*384*50#", "1*2*3*\xff\xfe")
	f.Add("ATUid_f5", "+2547\x0012000001", "*384*50#\x00", "3")
	g := newGateway(f, 10, ussd.Config{})
	g.logs.AllowErrors() // a store refusing a byte is logged; the answer is what matters here
	f.Fuzz(func(t *testing.T, session, phone, code, text string) {
		form := url.Values{"sessionId": {session}, "phoneNumber": {phone}, "serviceCode": {code}, "text": {text}, "networkCode": {"63902"}}
		status, body := g.post(t, "/at/ussd", fiber.MIMEApplicationForm, form.Encode())
		if status >= 500 {
			t.Fatalf("%d %q", status, body)
		}
		if status == 200 && !strings.HasPrefix(body, "CON ") && !strings.HasPrefix(body, "END ") {
			t.Fatalf("200 with %q, no USSD screen", body)
		}
	})
}

package atsandbox

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// newID draws an id in Africa's Talking's style: a prefix and 32 hex digits
// ("ATXid_6a0b…" for messages, "ATVId_…" for calls).
func newID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24+)
	return prefix + hex.EncodeToString(b[:])
}

// newUUID draws a random UUID, the form of inbound message ids and link ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Mobile network codes (MCC 639 Kenya).
const (
	networkSafaricom = "63902"
	networkAirtel    = "63903"
	networkTelkom    = "63907"
)

// networkCode guesses a Kenyan number's operator from its prefix, close enough for reports
// to look real: 073x, 075x, 078x and 010x are Airtel, 077x Telkom, the rest Safaricom.
func networkCode(e164 string) string {
	n := strings.TrimPrefix(e164, "+254")
	if len(n) < 2 {
		return networkSafaricom
	}
	switch n[:2] {
	case "73", "75", "78", "10":
		return networkAirtel
	case "77":
		return networkTelkom
	}
	return networkSafaricom
}

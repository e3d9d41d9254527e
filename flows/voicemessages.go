package flows

import (
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// ForChannel is the catalogue as a channel words it: an entry "<channel>:<key>" takes the
// place of <key>. A phone call says "Tuesday 1 December" and "Key in your case number, then
// press the hash key" where a USSD screen, short of room, has "Tue 1 Dec" and "Enter your
// case number:". The variants live next to the entries they replace, in the same files, so
// translators see both.
func (m *Messages) ForChannel(ch string) *Messages {
	prefix := ch + ":"
	out := &Messages{byLang: make(map[crm.Lang]map[string]string, len(m.byLang)), spoken: m.spoken || ch == ChannelVoice}
	for l, cat := range m.byLang {
		c := make(map[string]string, len(cat))
		for k, v := range cat {
			c[k] = v
		}
		for k, v := range cat {
			if base, ok := strings.CutPrefix(k, prefix); ok {
				c[base] = v
			}
		}
		out.byLang[l] = c
	}
	return out
}

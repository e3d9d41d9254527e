package flows

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
)

// Every text a citizen sees comes from these catalogues, one per language, so that a
// translator edits JSON, not Go. Values are fmt formats with explicit argument indexes
// (%[1]s) because word order differs between English and Kiswahili.
//
//go:embed messages/*.json
var messagesFS embed.FS

// Messages holds the catalogues of every served language.
type Messages struct {
	byLang map[crm.Lang]map[string]string
	// spoken marks the catalogue as a phone call says it (ForChannel(ChannelVoice)): times
	// are words, not figures.
	spoken bool
}

// LoadMessages reads the embedded catalogues and checks that every language has the same
// keys with the same number of arguments, so a missing translation fails at start-up (and in
// the tests) instead of on a citizen's screen.
func LoadMessages() (*Messages, error) {
	m := &Messages{byLang: map[crm.Lang]map[string]string{}}
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		raw, err := messagesFS.ReadFile("messages/" + string(l) + ".json")
		if err != nil {
			return nil, fmt.Errorf("messages %s: %w", l, err)
		}
		cat := map[string]string{}
		if err := json.Unmarshal(raw, &cat); err != nil {
			return nil, fmt.Errorf("messages %s: %w", l, err)
		}
		m.byLang[l] = cat
	}
	en := m.byLang[crm.English]
	for l, cat := range m.byLang {
		for k, v := range en {
			other, ok := cat[k]
			if !ok {
				return nil, fmt.Errorf("messages %s: missing key %q", l, k)
			}
			if countVerbs(v) != countVerbs(other) {
				return nil, fmt.Errorf("messages %s: key %q takes %d arguments, English takes %d", l, k, countVerbs(other), countVerbs(v))
			}
		}
		for k := range cat {
			if _, ok := en[k]; !ok {
				return nil, fmt.Errorf("messages %s: key %q has no English", l, k)
			}
		}
	}
	return m, nil
}

func countVerbs(format string) int {
	return strings.Count(format, "%") - 2*strings.Count(format, "%%")
}

// Text renders a catalogue entry in a language. A key missing from the catalogue is a
// programming error that the catalogue test catches; it renders as the key itself.
func (m *Messages) Text(l crm.Lang, key string, args ...any) string {
	cat, ok := m.byLang[l]
	if !ok {
		cat = m.byLang[crm.English]
	}
	format, ok := cat[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Both renders a notice in English and Kiswahili together, for the moments before we know
// the citizen's language (an expired session, a foreign number).
func (m *Messages) Both(key string) string {
	return m.Text(crm.English, key) + "\n" + m.Text(crm.Swahili, key)
}

// Longest is the length in characters of the longest text under a key prefix in any
// language; channels size their pages so the longest error line still fits.
func (m *Messages) Longest(prefix string) int {
	longest := 0
	for _, cat := range m.byLang {
		for k, v := range cat {
			if strings.HasPrefix(k, prefix) {
				longest = max(longest, utf8.RuneCountInString(v))
			}
		}
	}
	return longest
}

// LongestIn is Longest in one language.
func (m *Messages) LongestIn(l crm.Lang, prefix string) int {
	longest := 0
	for k, v := range m.byLang[l] {
		if strings.HasPrefix(k, prefix) {
			longest = max(longest, utf8.RuneCountInString(v))
		}
	}
	return longest
}

// Keys lists every catalogue key, sorted (for tests and tools).
func (m *Messages) Keys() []string {
	var keys []string
	for k := range m.byLang[crm.English] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Date renders a civil date the way the citizen reads it: "Tue 25 Nov", "Jumanne 25 Nov".
func (m *Messages) Date(l crm.Lang, day time.Time) string {
	return m.Text(l, "date", m.Text(l, dayKeys[day.Weekday()]), day.Day(), m.Text(l, monthKeys[day.Month()]))
}

// Time renders a time of day (minutes after midnight) as a sentence of the catalogue carries
// it, after "saa"/"at": on a screen or SMS in Kiswahili "3:30 asubuhi (09:30)", on a call
// "tatu na nusu asubuhi" (see crm.FormatTime); English keeps "09:30".
func (m *Messages) Time(l crm.Lang, minute int) string {
	return crm.FormatTime(l, minute, m.timeForm(crm.TimeLong))
}

// ListTime renders a time in a list of choices or a tight line: "3:30 asubuhi" (no figure:
// room is short, and the prompt says "saa"), in words on a call.
func (m *Messages) ListTime(l crm.Lang, minute int) string {
	return crm.FormatTime(l, minute, m.timeForm(crm.TimeShort))
}

// Span renders the two ends of a span of time within a day, the Kiswahili day part said once
// when both ends share it (crm.FormatSpan); long adds the 24-hour figures on a screen.
func (m *Messages) Span(l crm.Lang, from, to int, long bool) (string, string) {
	form := crm.TimeShort
	if long {
		form = crm.TimeLong
	}
	return crm.FormatSpan(l, from, to, m.timeForm(form))
}

func (m *Messages) timeForm(f crm.TimeForm) crm.TimeForm {
	if m.spoken {
		return crm.TimeSpoken
	}
	return f
}

// The catalogue keys of weekday and month names, made once rather than on every date.
var (
	dayKeys   [7]string
	monthKeys [13]string
)

func init() {
	for d := range dayKeys {
		dayKeys[d] = fmt.Sprintf("day.%d", d)
	}
	for m := 1; m < len(monthKeys); m++ {
		monthKeys[m] = fmt.Sprintf("month.%d", m)
	}
}

package templates

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// The catalogues, one per language. Values are fmt formats with explicit argument indexes
// (%[1]s) because word order differs between English and Kiswahili.
//
//go:embed messages/*.json
var messagesFS embed.FS

// MaxSegments is the most SMS parts a rendered message may take. Three GSM-7 parts are 459
// characters, room for every template with its longest centre and service names; free text
// is shortened to stay within it.
const MaxSegments = 3

// maxArgs is the most arguments any kind passes to a format; loading formats every entry
// with this many to prove none refers past them.
const maxArgs = 6

// eat is East Africa Time. Kenya has kept UTC+3 without daylight saving since 1960, so a
// fixed zone is exact and needs no time-zone database on the host.
var eat = time.FixedZone("EAT", 3*60*60)

// Templates holds the checked catalogues of every served language.
type Templates struct {
	byLang map[crm.Lang]map[string]string
	loc    *time.Location
	// ussdCode is the code a message tells the citizen to dial (WithUSSDCode).
	ussdCode string
}

// DefaultUSSDCode is the code messages name unless WithUSSDCode says otherwise.
const DefaultUSSDCode = "*384*50#"

// Load reads the embedded catalogues and checks them: both languages have the same keys
// with the same number of arguments, every key a kind or a name needs is there, no format
// refers to an argument it will not be given, and every text is GSM-7, so a slip in a
// translation fails at start-up (and in the tests) rather than in a citizen's inbox.
// Times are shown in East Africa Time; see In.
func Load() (*Templates, error) {
	t := &Templates{byLang: map[crm.Lang]map[string]string{}, loc: eat, ussdCode: DefaultUSSDCode}
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		raw, err := messagesFS.ReadFile("messages/" + string(l) + ".json")
		if err != nil {
			return nil, fmt.Errorf("sms templates %s: %w", l, err)
		}
		cat := map[string]string{}
		if err := json.Unmarshal(raw, &cat); err != nil {
			return nil, fmt.Errorf("sms templates %s: %w", l, err)
		}
		t.byLang[l] = cat
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// defaultTemplates backs the package-level Render; the catalogues are embedded, so loading
// fails only if they are broken, which the tests catch.
var defaultTemplates = sync.OnceValues(Load)

// Render renders n with the embedded catalogues in East Africa Time. See Templates.Render.
func Render(cat *crm.Catalog, n crm.Notification) (string, error) {
	t, err := defaultTemplates()
	if err != nil {
		return "", err
	}
	return t.Render(cat, n)
}

// In returns templates that show times in loc (the gateway's configured zone) instead of
// East Africa Time.
func (t *Templates) In(loc *time.Location) *Templates {
	c := *t
	c.loc = loc
	return &c
}

// WithUSSDCode returns templates that tell citizens to dial code (the gateway's configured
// one, e.g. "*384*50#"): a message names the code itself rather than "the Huduma USSD code",
// which a citizen would have to look up.
func (t *Templates) WithUSSDCode(code string) *Templates {
	c := *t
	if code != "" {
		c.ussdCode = code
	}
	return &c
}

func (t *Templates) check() error {
	en := t.byLang[crm.English]
	for l, cat := range t.byLang {
		for k, v := range en {
			other, ok := cat[k]
			if !ok {
				return fmt.Errorf("sms templates %s: missing key %q", l, k)
			}
			if countVerbs(v) != countVerbs(other) {
				return fmt.Errorf("sms templates %s: key %q takes %d arguments, English takes %d", l, k, countVerbs(other), countVerbs(v))
			}
		}
		for k, v := range cat {
			if _, ok := en[k]; !ok {
				return fmt.Errorf("sms templates %s: key %q has no English", l, k)
			}
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("sms templates %s: key %q is empty", l, k)
			}
			if !IsGSM7(v) {
				return fmt.Errorf("sms templates %s: key %q has characters outside GSM-7 (it would be sent as UCS-2, 70 characters a part)", l, k)
			}
			if countVerbs(v) == 0 {
				continue
			}
			args := make([]any, maxArgs)
			for i := range args {
				args[i] = "x"
			}
			// Every format uses explicit indexes, so fmt reports a missing argument or a
			// wrong verb as "%!" but does not complain about arguments a language leaves out.
			if out := fmt.Sprintf(v, args...); strings.Contains(out, "%!") {
				return fmt.Errorf("sms templates %s: key %q does not format: %s", l, k, out)
			}
		}
	}
	for _, k := range requiredKeys() {
		if _, ok := en[k]; !ok {
			return fmt.Errorf("sms templates: missing key %q", k)
		}
	}
	return nil
}

// requiredKeys lists every key some kind or name lookup uses, sorted.
func requiredKeys() []string {
	keys := []string{"date"}
	for d := range dayKeys {
		keys = append(keys, dayKeys[d])
	}
	keys = append(keys, monthKeys[1:]...)
	keys = append(keys, prefixed("request.status.", requestStatuses)...)
	keys = append(keys, prefixed("case.status.", caseStatuses)...)
	keys = append(keys, prefixed("category.", categories)...)
	keys = append(keys, prefixed("level.", levels)...)
	for _, k := range kinds {
		keys = append(keys, k.keys...)
	}
	sort.Strings(keys)
	return keys
}

func countVerbs(format string) int {
	return strings.Count(format, "%") - 2*strings.Count(format, "%%")
}

// Kinds lists every kind Render knows, sorted (for tests and tools).
func Kinds() []crm.NotificationKind {
	out := make([]crm.NotificationKind, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Params lists the params a kind takes: those it requires, then those it may do without.
func Params(kind crm.NotificationKind) (required, optional []string) {
	k := kinds[kind]
	return k.required, k.optional
}

// text formats a catalogue entry; a language we do not serve reads English.
func (t *Templates) text(l crm.Lang, key string, args ...string) string {
	cat, ok := t.byLang[l]
	if !ok {
		cat = t.byLang[crm.English]
	}
	format := cat[key]
	if len(args) == 0 {
		return format
	}
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	return fmt.Sprintf(format, a...)
}

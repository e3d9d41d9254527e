package ussd

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows"
)

// Screen sizes. Africa's Talking states no limit; 182 characters is what most gateways
// enforce and some handsets show only 160, so a page aims at 160 and the hard cap (prefix
// and error line included) is 182.
const (
	MaxReply   = 182
	aimedReply = 160
	prefixLen  = len("CON ")
)

// renderer turns a flow screen into the text of a USSD reply, one page at a time.
type renderer struct {
	// budgets is, per language, what a page's prompt, options and navigation line may take,
	// leaving room for that language's longest error line so that a re-prompt still fits. An
	// error line is always in the session's language (English before one is chosen), so a
	// long English one need not shrink every Kiswahili page, and the reverse.
	budgets map[crm.Lang]int
	// navLines holds every navigation line per language, built once: a hop only picks one.
	navLines map[crm.Lang]*[8]string
}

// Bits of a navigation line's index in navLines.
const (
	navMore = 1 << iota
	navBack
	navHome
)

func newRenderer(msgs *flows.Messages) renderer {
	r := renderer{budgets: map[crm.Lang]int{}, navLines: map[crm.Lang]*[8]string{}}
	for _, l := range []crm.Lang{crm.English, crm.Swahili} {
		r.budgets[l] = min(aimedReply-prefixLen, MaxReply-prefixLen-msgs.LongestIn(l, "err.")-1)
		lines := new([8]string)
		for i := range lines {
			lines[i] = buildNav(msgs, l, i)
		}
		r.navLines[l] = lines
	}
	return r
}

// buildNav writes the navigation line with the parts set in bits: "98.More 0.Back 00.Menu".
func buildNav(msgs *flows.Messages, l crm.Lang, bits int) string {
	var parts []string
	if bits&navMore != 0 {
		parts = append(parts, msgs.Text(l, "nav.more"))
	}
	if bits&navBack != 0 {
		parts = append(parts, msgs.Text(l, "nav.back"))
	}
	if bits&navHome != 0 {
		parts = append(parts, msgs.Text(l, "nav.home"))
	}
	return strings.Join(parts, " ")
}

// render writes the reply for the session's current screen and page.
func (r renderer) render(s *flows.Session) string {
	sc := &s.Screen
	var b strings.Builder
	b.Grow(MaxReply + 16)
	if sc.End {
		b.WriteString("END ")
	} else {
		b.WriteString("CON ")
	}
	if s.Error != "" {
		b.WriteString(s.Error)
		b.WriteByte('\n')
	}
	b.WriteString(sc.Text)
	first, last := r.page(s)
	for i := first; i < last; i++ {
		b.WriteByte('\n')
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(sc.Options[i].Label)
	}
	if nav := r.nav(s, last < len(sc.Options)); nav != "" {
		b.WriteByte('\n')
		b.WriteString(nav)
	}
	return b.String()
}

// nav is the navigation line: "98.More 0.Back 00.Menu" as applicable.
func (r renderer) nav(s *flows.Session, more bool) string {
	i := 0
	if more {
		i |= navMore
	}
	if s.Screen.Nav || s.Page > 0 {
		i |= navBack
	}
	if s.Screen.Nav {
		i |= navHome
	}
	lines, ok := r.navLines[s.Lang]
	if !ok { // no language chosen yet: English, as the catalogues fall back to
		lines = r.navLines[crm.English]
	}
	return lines[i]
}

// page gives the options [first, last) shown on the session's page. Pages are packed greedily
// from the first option, so the same screen always splits the same way; a page keeps room for
// "More" unless every option left fits on it without.
func (r renderer) page(s *flows.Session) (first, last int) {
	opts := s.Screen.Options
	if len(opts) == 0 {
		return 0, 0
	}
	budget, ok := r.budgets[s.Lang]
	if !ok {
		budget = r.budgets[crm.English]
	}
	text := utf8.RuneCountInString(s.Screen.Text) + 1
	fixed := text + utf8.RuneCountInString(r.nav(s, true))
	lastPage := text + utf8.RuneCountInString(r.nav(s, false))
	line := func(i int) int { return 1 + len(strconv.Itoa(i+1)) + 2 + utf8.RuneCountInString(opts[i].Label) }
	for page := 0; ; page++ {
		rest := lastPage
		for i := first; i < len(opts) && rest <= budget; i++ {
			rest += line(i)
		}
		if rest <= budget {
			return first, len(opts)
		}
		used := fixed
		last = first
		for last < len(opts) {
			if used+line(last) > budget && last > first {
				break
			}
			used += line(last)
			last++
		}
		if page == s.Page || last == len(opts) {
			return first, last
		}
		first = last
	}
}

// morePages reports whether the session's screen has a page after the current one.
func (r renderer) morePages(s *flows.Session) bool {
	_, last := r.page(s)
	return last < len(s.Screen.Options)
}

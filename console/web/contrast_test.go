package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huduma-connect/huduma/crm"
)

// contrastCheck runs in the page and lists what falls short of WCAG 2.1 AA, as the browser
// draws it (computed styles, so the stylesheet's real colours):
//   - text (1.4.3): 4.5:1 against the background it sits on, 3:1 when large (24 px, or
//     18.66 px bold);
//   - the focus ring of every control (1.4.11, non-text contrast): 3:1 against the page
//     around it, checked by focusing each control in turn.
//
// A background is the nearest ancestor's opaque background-colour; a translucent one is laid
// over white. Text in a background image is not checked: the console has none.
const contrastCheck = `(() => {
  const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const over = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    return layers.reduceRight((under, top) => over(top, under), {r: 255, g: 255, b: 255, a: 1}); };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const visible = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && s.display !== "none" && r.right > 0 && r.bottom > 0; };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el) || ["SCRIPT", "STYLE", "OPTION"].includes(el.tagName)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== "");
    if (!own) continue;
    const s = getComputedStyle(el), fg = rgb(s.color), bg = background(el);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const got = ratio(over(fg, bg), bg);
    if (got < need) out.push("text " + name(el) + " " + got.toFixed(2) + ":1 < " + need + ":1 (" + s.color + " on " + JSON.stringify(bg) + "): " + el.innerText.trim().slice(0, 40));
  }
  const focusable = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]");
  for (const el of focusable) {
    if (!visible(el) || el.disabled) continue;
    el.focus({focusVisible: true});
    if (document.activeElement !== el) continue;
    const s = getComputedStyle(el);
    if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) { out.push("focus " + name(el) + ": no visible outline"); continue; }
    const ring = rgb(s.outlineColor), around = background(el.parentElement || el);
    const got = ratio(ring, around);
    if (got < 3) out.push("focus " + name(el) + " " + got.toFixed(2) + ":1 < 3:1 (" + s.outlineColor + ")");
  }
  document.activeElement && document.activeElement.blur();
  return out;
})()`

// Every page of the console meets WCAG AA contrast, text and focus rings alike, in the states
// that bring their own colours: deadlines due soon and breached, a flash, an error, the
// supervisor's board, the people pages, the login page.
func TestConsoleContrastMeetsAA(t *testing.T) {
	eachStore(t, func(t *testing.T, s *site) {
		// Lodged at 09:00 and at 12:00 with four business hours each: at 15:30 the first is
		// breached and the second due within the hour.
		late := s.complaint(t, "+254712000730", crm.CategoryLongWait, "Queue at the ID desk")
		s.advance(3 * time.Hour)
		s.complaint(t, "+254712000731", crm.CategoryStaffConduct, "Rude at the counter")
		s.advance(3*time.Hour + 30*time.Minute)

		check := func(t *testing.T, tab context.Context, path string) {
			t.Helper()
			run(t, tab, chromedp.Navigate(s.url+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			fails, err := chromedp.Run(tab, chromedp.Evaluate[[]string](contrastCheck))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(fails) > 0 {
				t.Errorf("%s falls short of AA contrast:\n%s", path, strings.Join(fails, "\n"))
			}
		}
		login := newTab(t)
		check(t, login, "/console/login")

		agent := newTab(t)
		s.login(t, agent, "akinyi")
		run(t, agent, chromedp.Navigate(s.url+"/console/?list=all"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		for _, state := range []string{".sla-soon", ".sla-breached"} {
			if text(t, agent, "#list "+state) == "<none>" {
				t.Fatalf("no %s row to check the colours of", state)
			}
		}
		for _, p := range []string{"/console/", "/console/?list=all&status=any", "/console/?list=breaching", "/console/?colour=red",
			fmt.Sprintf("/console/cases/%d?done=note", late.ID), "/console/cases/999999"} {
			check(t, agent, p)
		}
		supervisor := newTab(t)
		s.login(t, supervisor, "chebet")
		for _, p := range []string{"/console/board", "/console/users", fmt.Sprintf("/console/users/%d", s.users["akinyi"].ID), "/console/replies"} {
			check(t, supervisor, p)
		}
	})
}

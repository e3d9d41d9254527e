package loadgen

import (
	"strings"
)

// Screen is one answer as a handset shows it: the text without its CON/END marker, split
// into the prompt, the numbered options and the navigation line.
type Screen struct {
	// Text is the whole screen, marker removed.
	Text string
	// End is true for an END answer: the session is over.
	End bool
	// Error is the first line when the journey knows it as an error line ("That day is fully
	// booked."); Prompt is then the text below it.
	Error  string
	Prompt string
	// Options are the numbered choices on this page, in order.
	Options []Option
	// More says the screen offers "98" for the next page of options.
	More bool
}

// Option is one numbered choice: what to type and what it says.
type Option struct {
	Input string
	Label string
}

// parseScreen splits a screen. An option line is digits, ". ", a label ("17. Kisumu");
// the navigation line ("98.More 0.Back 00.Menu") has no space after its dots and is not an
// option.
func parseScreen(text string, end bool) *Screen {
	s := &Screen{Text: text, End: end, Prompt: text}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if num, label, ok := optionLine(line); ok {
			s.Options = append(s.Options, Option{Input: num, Label: label})
			continue
		}
		for field := range strings.FieldsSeq(line) {
			if strings.HasPrefix(field, "98.") {
				s.More = true
			}
		}
	}
	return s
}

func optionLine(line string) (num, label string, ok bool) {
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i == 0 || i > 3 || !strings.HasPrefix(line[i:], ". ") {
		return "", "", false
	}
	return line[:i], strings.TrimSpace(line[i+2:]), true
}

// splitError takes a known error line off the top of the screen.
func (s *Screen) splitError(known []Matcher) (errorLine string, which int) {
	first, rest, ok := strings.Cut(s.Text, "\n")
	if !ok {
		return "", -1
	}
	for i, m := range known {
		if m.matchText(first) {
			s.Error, s.Prompt = first, rest
			return first, i
		}
	}
	return "", -1
}

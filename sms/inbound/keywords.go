package inbound

import (
	"strings"
	"unicode"

	"github.com/huduma-connect/huduma/crm"
)

// Keyword is what a citizen's SMS asks for.
type Keyword string

const (
	None         Keyword = ""             // not a keyword: answered with help
	Status       Keyword = "status"       // STATUS/HALI <number>
	Appointments Keyword = "appointments" // APPOINTMENTS/MIADI
	Cancel       Keyword = "cancel"       // CANCEL/GHAIRI <number>
	Complaint    Keyword = "complaint"    // COMPLAINT/MALALAMIKO <words>
	Help         Keyword = "help"         // HELP/MSAADA
	Stop         Keyword = "stop"         // STOP/ACHA
	Start        Keyword = "start"        // START/ANZA
	Rate         Keyword = "rate"         // a bare 1–4, answering the satisfaction question
)

type keywordSpec struct {
	kw   Keyword
	lang crm.Lang
}

// keywords are the words citizens may start a message with, upper case. The Kiswahili ones
// are the ones the SMS templates tell citizens to send (HALI, GHAIRI, ACHA, ANZA…).
var keywords = map[string]keywordSpec{
	"STATUS": {Status, crm.English}, "HALI": {Status, crm.Swahili},
	"APPOINTMENTS": {Appointments, crm.English}, "APPOINTMENT": {Appointments, crm.English},
	"MIADI":  {Appointments, crm.Swahili},
	"CANCEL": {Cancel, crm.English}, "GHAIRI": {Cancel, crm.Swahili},
	"COMPLAINT": {Complaint, crm.English}, "COMPLAIN": {Complaint, crm.English},
	"MALALAMIKO": {Complaint, crm.Swahili}, "LALAMIKO": {Complaint, crm.Swahili},
	"HELP": {Help, crm.English}, "MSAADA": {Help, crm.Swahili},
	"STOP": {Stop, crm.English}, "ACHA": {Stop, crm.Swahili},
	"START": {Start, crm.English}, "ANZA": {Start, crm.Swahili},
}

// Keywords lists the words Parse accepts, upper case, for documentation and tests.
func Keywords() map[string]Keyword {
	out := make(map[string]Keyword, len(keywords))
	for w, k := range keywords {
		out[w] = k.kw
	}
	return out
}

// Command is a parsed message: the keyword, the language it is in ("" when the message is not
// a keyword), and what follows it, with runs of spaces and line breaks folded to one space.
type Command struct {
	Keyword Keyword
	Lang    crm.Lang
	Arg     string
}

// punctuation is what a citizen may put around a keyword ("Status:", "#HELP", "STOP.").
const punctuation = ".,:;!?#*-_\"'()[]"

// Parse reads a message. The keyword is its first word, in any case and with any spacing
// around it; a keyword that takes a number may be run into it ("HALI600042550"). Anything
// else is None.
func Parse(text string) Command {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Command{}
	}
	word := strings.ToUpper(strings.Trim(fields[0], punctuation))
	if len(fields) == 1 && len(word) == 1 && word[0] >= '1' && word[0] <= '4' {
		return Command{Keyword: Rate, Arg: word}
	}
	if k, ok := keywords[word]; ok {
		return Command{Keyword: k.kw, Lang: k.lang, Arg: strings.Join(fields[1:], " ")}
	}
	// A number run into its keyword: the keyword, then punctuation or nothing, then a digit.
	for w, k := range keywords {
		if k.kw != Status && k.kw != Cancel || !strings.HasPrefix(word, w) {
			continue
		}
		rest := strings.TrimLeft(word[len(w):], punctuation)
		if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return Command{Keyword: k.kw, Lang: k.lang, Arg: strings.Join(append([]string{rest}, fields[1:]...), " ")}
		}
	}
	return Command{}
}

// Reference reads the number at the start of a keyword's argument as a citizen writes it
// ("600042550", "600 042 550", "600-042-550", "#600042550."), ignoring any words after it.
func Reference(arg string) (crm.Reference, error) {
	arg = strings.TrimLeft(arg, punctuation+" ")
	end := strings.IndexFunc(arg, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == ' ' || r == '-')
	})
	if end >= 0 {
		arg = arg[:end]
	}
	return crm.ParseReference(strings.TrimSpace(arg))
}

// Description tidies the words of a complaint: control characters dropped, spacing folded,
// cut to crm.MaxDescription characters (a long SMS arrives in up to a few parts, and the case
// keeps what fits; an agent calls back for the rest).
func Description(arg string) string {
	arg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(arg, ""))
	arg = strings.Join(strings.Fields(arg), " ")
	if r := []rune(arg); len(r) > crm.MaxDescription {
		arg = strings.TrimSpace(string(r[:crm.MaxDescription]))
	}
	return arg
}

package crm

// Lang is a language a citizen is served in. Huduma serves every citizen-facing text in English
// and Kiswahili; a citizen's choice is remembered per phone number.
type Lang string

const (
	English Lang = "en"
	Swahili Lang = "sw"
)

// Langs are the languages we serve.
var Langs = []Lang{English, Swahili}

// Valid reports whether l is a language we serve.
func (l Lang) Valid() bool { return l == English || l == Swahili }

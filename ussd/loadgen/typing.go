package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// Type types free text on a screen that asks for it (a description, a reference): what write
// returns for this caller. Africa's Talking joins a session's inputs with "*", so a text
// holding one would be read as two inputs; Type refuses to send it.
func Type(name string, write func(rng *rand.Rand) string) Rule {
	return Rule{Name: "type " + name, pick: func(_ *Screen, c *choosing) (Option, bool, bool) {
		text := write(c.rng)
		if text == "" || strings.Contains(text, "*") {
			return Option{}, false, false
		}
		return Option{Input: text, Label: text}, false, true
	}}
}

// complaintTexts are what callers type about a visit, in both languages, each with a number
// (a ticket, a counter, an amount) so that no two descriptions are alike. Short, as typed on
// a keypad.
var complaintTexts = []string{
	"Waited from 8am, ticket %d not called by 2pm",
	"Counter %d closed at lunch and the queue was long",
	"Officer at counter %d was rude to the elderly",
	"Asked for %d shillings to speed up my ID",
	"Told to come back after %d days for my birth certificate",
	"System down, sent home with ticket %d",
	"Nilisubiri tangu saa mbili, tiketi %d haikuitwa",
	"Dirisha namba %d lilifungwa mchana foleni ikawa ndefu",
	"Mhudumu wa dirisha %d alitujibu vibaya",
	"Niliombwa shilingi %d ili kitambulisho kiharakishwe",
	"Niliambiwa nirudi baada ya siku %d",
	"Mtandao haukuwa, nikarudishwa nyumbani na tiketi %d",
}

// Describe types a short complaint in English or Kiswahili.
func Describe() Rule {
	return Type("a complaint", func(rng *rand.Rand) string {
		return fmt.Sprintf(complaintTexts[rng.IntN(len(complaintTexts))], 2+rng.IntN(998))
	})
}

// RecallReference types a reference this run was given (a case number a complaint journey
// read on its final screen), or, before any was given, a made-up one: well formed, with a
// valid check digit, that the server has almost surely never issued. Digits only, as typed on
// a keypad.
func RecallReference() Rule {
	return Rule{Name: "type a reference", pick: func(_ *Screen, c *choosing) (Option, bool, bool) {
		ref, ok := c.refs.pick(c.rng)
		if ok {
			c.recalled = true
		} else {
			ref = madeUpReference(c.rng)
		}
		return Option{Input: string(ref), Label: string(ref)}, false, true
	}}
}

// madeUpReference draws eight digits and completes them with the one check digit crm accepts.
func madeUpReference(rng *rand.Rand) crm.Reference {
	body := fmt.Sprintf("%0*d", crm.ReferenceDigits-1, rng.IntN(100_000_000))
	for d := '0'; d <= '9'; d++ {
		if ref, err := crm.ParseReference(body + string(d)); err == nil {
			return ref
		}
	}
	panic("loadgen: no check digit completes " + body) // a Damm check digit always exists
}

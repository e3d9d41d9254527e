// Package ussd answers Africa's Talking's USSD callback: one form POST per hop, answered with
// "CON …" (more to come) or "END …" (session over) in plain text. It parses the form and runs
// the hop through the menus' hop loop (../flows, Loop), which loads the session, answers a
// repeated hop without running anything again, and saves the session; this package's side of
// the loop (door.go) feeds it the newest input and pages long lists to fit a handset's screen.
//
// The journeys a citizen takes are kept as data in testdata/journeys: the inputs of each dial
// and every screen, compared exactly; go test ./ussd/ -update rewrites the screens.
package ussd

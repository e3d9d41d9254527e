// Package ussd answers Africa's Talking's USSD callback: one form POST per hop, answered with
// "CON …" (more to come) or "END …" (session over) in plain text. It loads the session, answers
// a repeated hop from the session without running anything again, feeds the newest input to
// the menus (../flows), pages long lists to fit a handset's screen, and saves the session.
package ussd

// Package templates turns an outbox row (crm.Notification) into the text of an SMS in the
// recipient's language.
//
// The domain decides what to tell whom and stores codes (a centre code, a status, a case
// number as digits); this package decides the words. Catalogues are JSON, one per language,
// so a translator edits text rather than Go, and both are checked against each other and
// against every kind's arguments when they load. Every template stays within the GSM-7
// alphabet and three SMS parts, so a message costs at most three parts and arrives whole;
// free text written by staff (a reply, a rejection reason) is shortened to fit rather than
// sent as five parts.
package templates

// Package crm is Huduma Connect's domain: centres and the services they offer, the business
// calendar, appointment slots and bookings, tracked requests, cases (complaints and
// callbacks) and the back office that works them, and the record of every phone call through
// the contact-centre number (calls.go, voice.go).
//
// It knows nothing of HTTP, SQL or any channel. It declares the store interface it needs
// (Store) and the stores in ../store implement it; channels reach it through ../flows.
package crm

// Package crm is Huduma Connect's domain: centres and the services they offer, the business
// calendar, appointment slots and bookings, and (later) tracked requests and cases.
//
// It knows nothing of HTTP, SQL or any channel. It declares the store interface it needs
// (Store) and the stores in ../store implement it; channels reach it through ../flows.
package crm

// Package atsandbox is a local stand-in for Africa's Talking, for development, demos and
// tests. Africa's Talking's own sandbox needs an account and the internet and has no voice
// at all; this one runs on a laptop, shows what the gateway "sent" on a web page, posts
// delivery reports and inbound messages back to the gateway as Africa's Talking would, and
// can be told to fail (HTTP 500s, hangs, refused recipients, failed deliveries) so the
// gateway's retries can be watched and tested.
//
// It speaks the wire format the africastalking client speaks: POST /version1/messaging,
// POST /call and POST /queueStatus with the apiKey header, answering with the JSON shapes and
// status codes Africa's Talking documents. POST /queued (phoneNumber, queueName, numCalls)
// sets how many callers /queueStatus reports waiting in an agent queue, for demos.
package atsandbox

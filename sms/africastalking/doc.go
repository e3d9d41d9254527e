// Package africastalking is a small client for Africa's Talking's REST API: sending SMS and,
// for the voice channel, placing calls and reading queue sizes. It mirrors the official
// SDKs' calls (sms.send, voice.call, voice.getNumQueuedCalls) because the Go SDK is not
// obtainable from the module proxy here, and because the gateway needs what the SDKs do not
// give: every failure sorted into "retry later", "never retry" and "the credentials are
// wrong", and a per-recipient outcome the outbox can act on.
//
// The API key travels only in the apiKey header. It is never put in a URL, an error or a
// log line; errors are built from the response status and a short, redacted body excerpt.
package africastalking

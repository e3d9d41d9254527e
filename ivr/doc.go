// Package ivr is the voice channel: Africa's Talking posts every voice callback to
// POST /at/voice and gets back XML actions (Say, Play, GetDigits, Record, Enqueue, Dequeue,
// Dial, Redirect, Reject).
//
// A citizen's call runs the same menus as USSD (package flows, with its voice variants),
// spoken: a screen becomes a prompt inside a GetDigits (or a Record, for a recorded
// complaint or message) whose callbackUrl returns here, numbered options become "Press 1
// for …", and a reference keyed in is read back digit by digit and confirmed. Pressing 0 asks
// for an agent: the agent queue of the caller's language when the contact centre is open and
// the queue is short, otherwise the offer of a callback or a recorded message. A citizen's
// callback runs through the menus' hop loop (flows.Loop), as a USSD hop does, admitted among
// the replica's hops in flight.
//
// Agents take callers by calling the agent line (Dequeue); an outbound call an agent places
// from the console connects the citizen to that agent when they answer (Dial). Every
// callback, and the end-of-call notification, is merged into the call's record in the CRM.
//
// Every answer is XML with Content-Type application/xml, whatever happens: unknown calls,
// keys that match nothing, silence (the prompt twice more, then a goodbye), a failing store
// (a spoken apology).
//
// Calls are kept as data in testdata/journeys: the keys of each call and every answer, one
// action a line, compared exactly; go test ./ivr/ -update rewrites the answers.
package ivr

// Package outbox sends the outbox: the worker that takes queued SMS rows (crm.Notification)
// from the store, renders each in its recipient's language, sends it through Africa's
// Talking and records what happened, in every replica at once.
//
// A row is claimed under a lease (crm.SendingStore.ClaimNotifications): two workers never
// hold one row, and a worker that dies holding rows loses them when the lease runs out, to
// the next claim. The worker records each outcome conditionally on still holding the claim,
// so a worker that lost its lease cannot overwrite what the next one recorded.
//
//   - Accepted: sent, with Africa's Talking's message id (the delivery reports' key) and cost.
//   - Africa's Talking cannot be reached (no connection, a timeout, HTTP 5xx, 408 or 429): an
//     outage of the provider, no verdict on the message. The row goes back without counting
//     the attempt (crm.SendingStore.Postpone), so an outage of any length uses up no
//     message's attempts. After BreakerThreshold such sends in a row the provider's circuit
//     breaker opens: no goroutine claims rows (the database rests), one probe at a time (a
//     real message, claimed alone) goes out after a wait that doubles up to MaxProbeWait, and
//     the first probe Africa's Talking answers closes it and sending resumes at full rate.
//     The outage and the recovery are each logged once, with counts;
//     huduma_sms_breaker_state shows the breaker.
//   - Refused for now by an answer (per-recipient 500–502, a 2xx we cannot read): back to the
//     queue after an exponential back-off with full jitter, failed after MaxAttempts.
//   - Refused for good (an invalid number, a blacklisted subscriber, an unrenderable row):
//     failed with the reason, for the agents to see.
//   - Outlived its use (crm.ExpiryPolicy: a booking confirmation or reminder after its
//     appointment, an acknowledgement days late): expired, never sent, counted in
//     huduma_sms_expired_total and shown on the case with its reason.
//   - Credentials or account refused (HTTP 401 or 403, InvalidSenderId, InsufficientBalance): a
//     configuration problem, not the message's. The row goes back without counting an
//     attempt, every worker of the replica pauses with a growing pause, and an error is
//     logged; huduma_sms_paused is 1 until a send gets through.
//   - A non-essential message to a phone that texted STOP is suppressed, never sent.
//   - A storm of alerts to one member of staff becomes a digest: once a phone was sent
//     DigestAfter alerts (or digests) in DigestWindow, its next alert, its other queued
//     alerts and those the worker holds are merged (status merged) into one
//     crm.NotifyAlertDigest with their counts, at most one a window (later alerts wait for
//     the window's end). Alerts about the integrity unit's cases are never merged.
//
// # Draining a backlog
//
// Each goroutine claims a batch (Config.Batch rows) and sends it at once, a request each:
// Africa's Talking takes one message a request, so a backlog drains as fast as requests
// overlap, not as fast as one answer follows another. The sends that finish together are
// recorded together, in one transaction (a group commit: see internal/groupcommit), and so
// are the delivery reports Africa's Talking posts for them (sms/delivery). The worker holds
// at most Config.StoreConns of the store's connections, claims and writes together, and sends
// only as fast as the citizens' hops on its replica keep their normal time (Config.Hops; see
// pacer): a drain slows the outbox, not the hops. bench/outage.sh measures it.
//
// During the quiet hours (20:00–07:00 in Africa/Nairobi by default) only messages that
// crm.SendsInQuietHours allows are claimed; the rest wait for the morning.
//
// # When a message can go out twice
//
// Africa's Talking's SMS API takes no idempotency key, so between "it accepted the message"
// and "we committed that it did" there is a window in which a failure makes us send again:
//
//  1. The gateway dies (or loses the database for longer than the lease) after Africa's
//     Talking accepted a message and before MarkSent commits. The row stays 'sending'; when
//     its lease (Config.Lease, default 2 minutes) runs out another worker claims it and sends
//     it again. The window is the time of one MarkSent, a few milliseconds per message; a
//     lost database connection alone does not open it, because the write is retried until
//     the lease is nearly over. At most the messages in flight at the moment of the crash
//     (a batch per worker goroutine, 40 by default) can be repeated, once per crash.
//  2. Africa's Talking accepts the message but its answer never arrives (a timeout, a reset
//     connection after the request went out). The worker cannot tell this from a request
//     that was lost, so it sends again when the row is next due. While other sends are
//     answered, such a send counts an attempt, so MaxAttempts bounds how often one message
//     goes out twice; in an outage (the breaker open) it counts none, and only one probe at a
//     time goes out. A request that never left (the connection refused) is never counted.
//
// Nothing else repeats a message: a send starts only with time left on its lease and is cut
// off (at most SendTimeout after it started) a margin before the lease ends, so no second
// worker can claim a row whose send is still in flight; and a worker that is stopped
// finishes the send it started and records it before it returns.
package outbox

package main

import "time"

// reminderInterval is how often each replica looks for appointment reminders that are due
// (the evening before and the morning of each appointment). Queuing is a conditional write
// per reminder, so replicas that look at the same minute queue each reminder once between
// them.
const reminderInterval = time.Minute

// inboundRetentionInterval is how often each replica deletes the citizens' SMS older than
// HUDUMA_INBOUND_RETENTION: a delete of what is already gone costs one indexed read.
const inboundRetentionInterval = time.Hour

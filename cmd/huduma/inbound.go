package main

import "time"

// reminderInterval is how often each replica looks for appointment reminders that are due
// (the evening before and the morning of each appointment). Queuing is a conditional write
// per reminder, so replicas that look at the same minute queue each reminder once between
// them.
const reminderInterval = time.Minute

package outbox

// RecordsWaiting is how many accepted sends wait for the write that records them.
func (w *Worker) RecordsWaiting() int { return w.rec.Waiting() }

package delivery

// Waiting is how many reports wait for the write that records them.
func (h *Handler) Waiting() int { return h.writer.Waiting() }

package flows

// Printable reports whether s is all printable ASCII, without spaces: what an aggregator's
// identifiers (a session id, a message id) are made of. Every channel checks them with it
// before they reach a log line or a store key.
func Printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

package flows

import "time"

// DefaultHopDeadline is how long a channel gives one hop (a USSD request, a voice callback)
// by default, counted from its arrival: well inside the operators' cut-off of about 10–15 s,
// so a hop still working is answered politely before the network gives up on it.
const DefaultHopDeadline = 5 * time.Second

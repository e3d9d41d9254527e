package redis

import "time"

// Defaults for Options. Africa's Talking ends a USSD session after about 180 s, so five
// minutes outlives any live session plus the late repeats the gateway may still send, and
// gives a citizen whose call dropped mid-booking a few minutes to dial back and continue.
const (
	DefaultPrefix       = "huduma:"
	DefaultTTL          = 5 * time.Minute
	DefaultResumeWindow = 5 * time.Minute
)

// Options tunes a Store. The zero value is the production setting.
type Options struct {
	// Prefix starts every key, so one Redis can serve several deployments (and tests can
	// run side by side). Empty means DefaultPrefix.
	Prefix string
	// TTL is how long a session outlives its last save. Zero or negative means DefaultTTL:
	// a session store that never forgets would keep citizens' data for ever.
	TTL time.Duration
	// ResumeWindow is how long the resume copy outlives its last save. Zero or negative
	// means DefaultResumeWindow.
	ResumeWindow time.Duration
	// NoAutoPipeline sends each command on its own round trip instead of through the
	// client's automatic pipeline (see New): the way back, should go-redis's experimental
	// pipelining misbehave.
	NoAutoPipeline bool
}

// withDefaults fills what the caller left unset.
func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.ResumeWindow <= 0 {
		o.ResumeWindow = DefaultResumeWindow
	}
	return o
}

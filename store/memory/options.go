package memory

import "time"

// Defaults for Options; the same as the Redis store's, so switching stores changes nothing a
// citizen notices. Africa's Talking ends a USSD session after about 180 s, so five minutes
// outlives a live session plus late repeats of its requests.
const (
	DefaultTTL          = 5 * time.Minute
	DefaultResumeWindow = 5 * time.Minute
)

// Options tunes a Store. The zero value is the production setting.
type Options struct {
	// TTL is how long a session outlives its last save. Zero or negative means DefaultTTL.
	TTL time.Duration
	// ResumeWindow is how long the resume copy outlives its last save. Zero or negative
	// means DefaultResumeWindow.
	ResumeWindow time.Duration
	// Now is the clock expiry is measured with; nil means time.Now. Tests set it to expire
	// entries without sleeping.
	Now func() time.Time
}

// withDefaults fills what the caller left unset.
func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.ResumeWindow <= 0 {
		o.ResumeWindow = DefaultResumeWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

package crm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/huduma-connect/huduma/internal/loop"
)

// The retention schedule: personal data is kept while it serves its purpose and then
// anonymised (Data Protection Act 2019, section 39: kept no longer than necessary). The
// records stay, so statistics and the Commission's reports still count them.

// Retention is how long each kind of personal data is kept. A zero Period keeps it for ever
// (an operator under a legal hold sets "off").
type Retention struct {
	// ClosedCases: a resolved or closed case's phone, description, notes and audit details,
	// counted from its resolution. Long enough for a complaint to be taken further (to the
	// Ombudsman, to court) and for the year-on-year figures.
	ClosedCases Period
	// Recordings: the links to recorded calls and voice complaints, counted from the call.
	Recordings Period
	// MessageBodies: what an SMS said (its template arguments: a reply's text, a reference),
	// counted from when it was queued; the row (to whom, when, whether delivered) stays.
	MessageBodies Period
	// AppointmentPhones: the phone an appointment was booked from, counted from its day.
	AppointmentPhones Period
}

// DefaultRetention is the schedule a gateway runs unless configured otherwise; the flags of
// `huduma serve` take their defaults from it.
func DefaultRetention() Retention {
	return Retention{
		ClosedCases:       Period{Months: 24},
		Recordings:        Period{Days: 90},
		MessageBodies:     Period{Days: 90},
		AppointmentPhones: Period{Months: 12},
	}
}

// Period is a span of calendar months and days, as a retention schedule is written ("24
// months", "90 days"); the zero Period is "off".
type Period struct {
	Months, Days int
}

// Off reports whether the period keeps data for ever.
func (p Period) Off() bool { return p.Months <= 0 && p.Days <= 0 }

// Before is the moment p before now: data older than it is past its period.
func (p Period) Before(now time.Time) time.Time { return now.AddDate(0, -p.Months, -p.Days) }

// String writes p as ParsePeriod reads it: "24mo", "90d", "off".
func (p Period) String() string {
	switch {
	case p.Off():
		return "off"
	case p.Days == 0:
		return strconv.Itoa(p.Months) + "mo"
	case p.Months == 0:
		return strconv.Itoa(p.Days) + "d"
	}
	return strconv.Itoa(p.Months) + "mo" + strconv.Itoa(p.Days) + "d"
}

// ParsePeriod reads a period: a whole number of years ("2y"), months ("24mo") or days
// ("90d"), or "off".
func ParsePeriod(s string) (Period, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "off" {
		return Period{}, nil
	}
	for _, u := range []struct {
		suffix       string
		months, days int
	}{{"mo", 1, 0}, {"y", 12, 0}, {"d", 0, 1}} {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n <= 0 {
			break
		}
		return Period{Months: n * u.months, Days: n * u.days}, nil
	}
	return Period{}, fmt.Errorf("%w: period %q: want a whole number of days, months or years (90d, 24mo, 2y) or off", ErrBadInput, s)
}

// RetentionReport counts what one run of the schedule changed: cases anonymised, recording
// links dropped, message bodies forgotten, appointments' phones forgotten.
type RetentionReport struct {
	Cases, Recordings, MessageBodies, AppointmentPhones int
}

// Total is how many records the run changed.
func (r RetentionReport) Total() int {
	return r.Cases + r.Recordings + r.MessageBodies + r.AppointmentPhones
}

// retentionBatch is how many rows one statement changes: a first run over years of records
// is many short transactions, none holding many locks for long.
const retentionBatch = 500

// ApplyRetention applies the schedule r once, each rule in batches until nothing is left past
// its period. Every replica may run it at once: the stores pass over rows another is
// changing, and a row changed once no longer matches, so a second run changes nothing. A rule
// that fails does not stop the others; the errors are returned together.
func (o *Office) ApplyRetention(ctx context.Context, r Retention) (RetentionReport, error) {
	now := o.now()
	today := DateOf(now.In(o.desk.cfg.Calendar.Location))
	var rep RetentionReport
	var errs []error
	for _, rule := range []struct {
		name   string
		period Period
		cutoff time.Time
		apply  func(context.Context, time.Time, int) (int, error)
		count  *int
	}{
		{"closed cases", r.ClosedCases, r.ClosedCases.Before(now), func(ctx context.Context, before time.Time, limit int) (int, error) {
			return o.store.AnonymiseClosedCases(ctx, before, now, limit)
		}, &rep.Cases},
		{"recordings", r.Recordings, r.Recordings.Before(now), o.store.DropRecordings, &rep.Recordings},
		{"message bodies", r.MessageBodies, r.MessageBodies.Before(now), o.store.ForgetMessageBodies, &rep.MessageBodies},
		{"appointments' phones", r.AppointmentPhones, r.AppointmentPhones.Before(today), o.store.ForgetAppointmentPhones, &rep.AppointmentPhones},
	} {
		if rule.period.Off() {
			continue
		}
		for {
			n, err := rule.apply(ctx, rule.cutoff, retentionBatch)
			*rule.count += n
			if err != nil {
				errs = append(errs, fmt.Errorf("retention of %s: %w", rule.name, err))
				break
			}
			if n < retentionBatch {
				break
			}
		}
	}
	return rep, errors.Join(errs...)
}

// RunRetention applies the schedule now and then every interval until ctx ends (every replica
// runs it: see ApplyRetention), logging what each run changed and what failed.
func (o *Office) RunRetention(ctx context.Context, r Retention, interval time.Duration, log *slog.Logger) {
	if log == nil {
		log = o.log
	}
	loop.Every(ctx, interval, func(ctx context.Context) {
		rep, err := o.ApplyRetention(ctx, r)
		if rep.Total() > 0 {
			log.Info("personal data past its retention anonymised", "cases", rep.Cases, "recordings", rep.Recordings,
				"message_bodies", rep.MessageBodies, "appointment_phones", rep.AppointmentPhones)
		}
		if err != nil && ctx.Err() == nil {
			log.Error("apply the retention schedule", "err", err)
		}
	})
}

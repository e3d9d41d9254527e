// Package delivery takes Africa's Talking's SMS delivery reports: POST /at/sms/delivery, a
// form naming a message we sent by the id Africa's Talking gave it, with how its delivery
// went. The report is recorded on the outbox row (crm.SendingStore.RecordDelivery), where
// the agents see it.
//
// Africa's Talking retries a report that does not get a 2xx, so the handler answers 200 to
// everything it has dealt with, including a report for a message we do not know (logged, with
// the phone masked), and fails only when the database did not take the report (500, so it
// comes again) or when the request cannot be a report at all (400). Reports are idempotent
// in the store: a repeat changes nothing and a final status is never replaced by a late one.
package delivery

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/internal/groupcommit"
)

// Path is where Africa's Talking posts delivery reports (set it, with ?key=, as the
// application's delivery reports callback URL).
const Path = "/at/sms/delivery"

// Recorder stores delivery reports; crm.SendingStore is one.
type Recorder interface {
	RecordDeliveries(ctx context.Context, reports []crm.DeliveryReport, now time.Time) (found []bool, err error)
}

// maxBatch is the most reports one write records.
const maxBatch = 256

// Config is what New needs. Every field is optional.
type Config struct {
	Logger *slog.Logger     // nil means slog.Default()
	Now    func() time.Time // nil means time.Now
	// Timeout bounds the store write, well inside Africa's Talking's wait. Default 5s.
	Timeout time.Duration
	// Registerer, when set, gets huduma_sms_delivery_reports_total.
	Registerer prometheus.Registerer
}

// Handler is the delivery report callback. Reports posted at the same moment are written
// together (see groupcommit): Africa's Talking posts one for every message we send, so while
// a backlog drains they come a thousand a second, and a commit each would hold the store's
// connections the citizens' hops need. Each is answered only once its write committed.
type Handler struct {
	store   Recorder
	cfg     Config
	log     *slog.Logger
	reports *prometheus.CounterVec // nil without a Registerer
	writer  *groupcommit.Writer[crm.DeliveryReport, bool]
}

// New builds the handler.
func New(store Recorder, cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	h := &Handler{store: store, cfg: cfg, log: cfg.Logger}
	h.writer = groupcommit.New(maxBatch, func(batch []crm.DeliveryReport) ([]bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), h.cfg.Timeout)
		defer cancel()
		return h.store.RecordDeliveries(ctx, batch, h.cfg.Now())
	})
	if cfg.Registerer != nil {
		h.reports = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "huduma_sms_delivery_reports_total",
			Help: "Delivery reports taken, by status (other: a status Africa's Talking does not document; unknown_message: an id we never sent).",
		}, []string{"status"})
		cfg.Registerer.MustRegister(h.reports)
	}
	return h
}

// Mount adds the route to app.
func (h *Handler) Mount(app *fiber.App) { app.Post(Path, h.serve) }

// Report is one delivery report as Africa's Talking posts it.
type Report struct {
	ID            string // the messageId Africa's Talking gave when it accepted the message
	Status        string // Sent, Submitted, Buffered, Rejected, Success, Failed, AbsentSubscriber, Expired
	PhoneNumber   string
	NetworkCode   string
	FailureReason string // e.g. UserInBlackList, DeliveryFailure; "" on success
	RetryCount    int    // how often Africa's Talking posted this report before
}

// Limits on a report's fields: Africa's Talking's ids are about 40 characters and its
// statuses and reasons single words, so anything much longer is not a report.
const (
	maxID     = 100
	maxStatus = 40
	maxReason = 100
)

// documented are the statuses Africa's Talking documents, for the metric's label (anything
// else would let a caller create label values at will).
var documented = map[string]bool{
	"Sent": true, "Submitted": true, "Buffered": true, "Rejected": true, "Success": true,
	"Failed": true, "AbsentSubscriber": true, "Expired": true,
}

func (h *Handler) serve(c *fiber.Ctx) error {
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		return c.Status(fiber.StatusUnsupportedMediaType).SendString("expected " + fiber.MIMEApplicationForm + "\n")
	}
	// Copied: fiber's strings point into a buffer fasthttp reuses after the handler returns.
	r := Report{
		ID:            strings.TrimSpace(strings.Clone(c.FormValue("id"))),
		Status:        strings.TrimSpace(strings.Clone(c.FormValue("status"))),
		PhoneNumber:   strings.Clone(c.FormValue("phoneNumber")),
		NetworkCode:   strings.Clone(c.FormValue("networkCode")),
		FailureReason: strings.TrimSpace(strings.Clone(c.FormValue("failureReason"))),
	}
	if problem := r.parse(c.FormValue("retryCount")); problem != "" {
		h.log.Warn("malformed sms delivery report", "problem", problem, "phone", crm.MaskPhone(r.PhoneNumber))
		return c.Status(fiber.StatusBadRequest).SendString(problem + "\n")
	}
	found, err := h.writer.Do(crm.DeliveryReport{ATMessageID: r.ID, Status: r.Status, FailureReason: r.FailureReason})
	if err != nil {
		h.log.Error("sms delivery report not recorded; Africa's Talking will post it again",
			"at_message_id", r.ID, "status", r.Status, "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString("not recorded\n")
	}
	label := r.Status
	if !documented[label] {
		label = "other"
	}
	if !found {
		label = "unknown_message"
		h.log.Warn("sms delivery report for a message we have no record of",
			"at_message_id", r.ID, "status", r.Status, "phone", crm.MaskPhone(r.PhoneNumber), "network", r.NetworkCode)
	} else {
		h.log.Debug("sms delivery report", "at_message_id", r.ID, "status", r.Status,
			"reason", r.FailureReason, "phone", crm.MaskPhone(r.PhoneNumber), "retry", r.RetryCount)
	}
	if h.reports != nil {
		h.reports.WithLabelValues(label).Inc()
	}
	return c.SendString("ok\n")
}

// parse checks the fields and reads retryCount; it names what makes the request no report.
func (r *Report) parse(retryCount string) string {
	switch {
	case r.ID == "":
		return "missing id"
	case len(r.ID) > maxID || !word(r.ID, "_-."):
		return "malformed id"
	case r.Status == "":
		return "missing status"
	case len(r.Status) > maxStatus || !word(r.Status, ""):
		return "malformed status"
	case len(r.FailureReason) > maxReason || !word(r.FailureReason, " _-."):
		return "malformed failureReason"
	}
	if retryCount = strings.TrimSpace(retryCount); retryCount != "" {
		n, err := strconv.Atoi(retryCount)
		if err != nil || n < 0 {
			return "malformed retryCount"
		}
		r.RetryCount = n
	}
	return ""
}

// word reports whether s is ASCII letters and digits and the extra characters only.
func word(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(extra, b) >= 0) {
			return false
		}
	}
	return true
}

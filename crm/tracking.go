package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// NewRequest is an agency's registration of a tracked request.
type NewRequest struct {
	Ref     Reference // the ticket number; empty to have one drawn
	Phone   Phone
	Service string
	Centre  string
	Status  RequestStatus // empty means received
	Reason  string
	Ready   time.Time // expected-ready date, zero when unknown
	Note    string
	Lang    Lang // the citizen's language, if the agency knows it
}

// MaxReason bounds a rejection reason or next step: it is sent by SMS.
const MaxReason = 200

// RegisterRequest records a request an agency lodged, scoped to the agency's services, and
// tells the citizen. Registering the same ticket again with the same details is a harmless
// retry (created=false, no second message).
func (o *Office) RegisterRequest(ctx context.Context, ag Agency, in NewRequest) (Request, bool, error) {
	cat := o.desk.Catalog()
	if _, ok := cat.Service(in.Service); !ok {
		return Request{}, false, fmt.Errorf("%w: unknown service %q", ErrBadInput, in.Service)
	}
	if !ag.Serves(in.Service) {
		return Request{}, false, fmt.Errorf("%w: %s does not process %s", ErrNotYourService, ag.Code, in.Service)
	}
	if _, ok := cat.Centre(in.Centre); !ok {
		return Request{}, false, fmt.Errorf("%w: unknown centre %q", ErrBadInput, in.Centre)
	}
	if in.Status == "" {
		in.Status = RequestReceived
	}
	ev := RequestEvent{Status: in.Status, Reason: in.Reason, Ready: in.Ready, Note: in.Note, By: ag.Code}
	if err := checkEvent(&ev, o.desk.Today()); err != nil {
		return Request{}, false, err
	}
	now := o.now()
	ev.At = now
	lang := o.desk.citizenLang(ctx, in.Phone, in.Lang)
	for attempt := 0; ; attempt++ {
		ref := in.Ref
		if ref == "" {
			var err error
			if ref, err = newNumber(); err != nil {
				return Request{}, false, err
			}
		}
		r := Request{
			Ref: ref, Phone: in.Phone, Service: in.Service, Centre: in.Centre, Agency: ag.Code,
			Status: ev.Status, Reason: ev.Reason, Ready: ev.Ready, Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		got, created, err := o.store.CreateRequest(ctx, r, ev, []Notification{requestNotice(r, lang, now)})
		if errors.Is(err, ErrReferenceTaken) && in.Ref == "" && attempt < 5 {
			continue
		}
		if err != nil {
			return Request{}, false, fmt.Errorf("register request %s: %w", ref, err)
		}
		return got, created, nil
	}
}

// PushRequestEvent records an agency's status change and tells the citizen. The same
// IdempotencyKey pushed twice records one event and sends one message.
func (o *Office) PushRequestEvent(ctx context.Context, ag Agency, ref Reference, ev RequestEvent) (Request, bool, error) {
	if err := checkEvent(&ev, o.desk.Today()); err != nil {
		return Request{}, false, err
	}
	ev.By = ag.Code
	type result struct {
		r     Request
		added bool
	}
	res, err := retry(ctx, func() (result, error) {
		r, err := o.agencyRequest(ctx, ag, ref)
		if err != nil {
			return result{}, err
		}
		if ev.IdempotencyKey != "" {
			for _, past := range r.Events {
				if past.IdempotencyKey == ev.IdempotencyKey {
					return result{r, false}, nil
				}
			}
		}
		if !r.Status.CanMoveTo(ev.Status) {
			return result{}, fmt.Errorf("request %s: %w: %s → %s", ref, ErrBadTransition, r.Status, ev.Status)
		}
		now := o.now()
		ev.At = now
		r.Status, r.Reason, r.UpdatedAt = ev.Status, ev.Reason, now
		if !ev.Ready.IsZero() {
			r.Ready = ev.Ready
		}
		lang := o.desk.citizenLang(ctx, r.Phone, "")
		got, added, err := o.store.AddRequestEvent(ctx, r, ev, toPhone(requestNotice(r, lang, now)))
		return result{got, added}, err
	})
	return res.r, res.added, err
}

// checkEvent validates and tidies a status event.
func checkEvent(ev *RequestEvent, today time.Time) error {
	if !ev.Status.Valid() {
		return fmt.Errorf("%w: unknown status %q", ErrBadInput, ev.Status)
	}
	var err error
	if ev.Reason, err = cleanText(ev.Reason, MaxReason); err != nil {
		return fmt.Errorf("reason: %w", err)
	}
	if ev.Note, err = cleanText(ev.Note, MaxReason); err != nil {
		return fmt.Errorf("note: %w", err)
	}
	if ev.Status == RequestRejected && ev.Reason == "" {
		return ErrReasonRequired
	}
	if !ev.Ready.IsZero() {
		ev.Ready = DateOf(ev.Ready)
		// The citizen is told "expected to be ready by <date>" while the request is under
		// way: a date already past would read as a promise broken before it was made.
		if ev.Ready.Before(today) && ev.Status.awaited() {
			return fmt.Errorf("%w: expected_ready %s is before today (%s); send the new expected date, or leave it out",
				ErrBadInput, ev.Ready.Format(time.DateOnly), today.Format(time.DateOnly))
		}
	}
	return nil
}

func requestNotice(r Request, lang Lang, now time.Time) Notification {
	ready := ""
	if !r.Ready.IsZero() {
		ready = r.Ready.Format(time.DateOnly)
	}
	return Notification{
		Phone: r.Phone, Lang: lang, Kind: NotifyRequestStatus, Priority: PriorityNormal, Essential: true,
		Subject: "request:" + string(r.Ref), CreatedAt: now,
		Params: map[string]string{
			"ref": string(r.Ref), "status": string(r.Status), "service": r.Service, "centre": r.Centre,
			"ready": ready, "reason": r.Reason,
		},
	}
}

// Request reads a tracked request for an agency (only its own services) or, with a zero
// Agency, for staff.
func (o *Office) Request(ctx context.Context, ag Agency, ref Reference) (Request, error) {
	return o.agencyRequest(ctx, ag, ref)
}

// agencyRequest reads a request as ag may know it (ag.Code "" is staff, who may know any).
// Another agency's request is the same ErrNotFound, word for word, as one that does not
// exist: an agency must not learn which references exist or what service they are for.
func (o *Office) agencyRequest(ctx context.Context, ag Agency, ref Reference) (Request, error) {
	r, err := o.store.RequestByRef(ctx, ref)
	switch {
	case errors.Is(err, ErrNotFound) || err == nil && ag.Code != "" && !ag.Serves(r.Service):
		return Request{}, fmt.Errorf("request %s: %w", ref, ErrNotFound)
	case err != nil:
		return Request{}, fmt.Errorf("request %s: %w", ref, err)
	}
	return r, nil
}

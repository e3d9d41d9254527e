package flows

import "github.com/looplab/fsm"

// Menu states. Each is one screen.
const (
	stateLanguage    = "language"
	stateMain        = "main"
	stateResume      = "resume"
	stateCounty      = "book_county"
	stateCentre      = "book_centre"
	stateService     = "book_service"
	stateDay         = "book_day"
	stateTime        = "book_time"
	stateConfirm     = "book_confirm"
	stateBooked      = "book_done"
	stateAborted     = "book_aborted"
	stateDuplicate   = "book_duplicate"
	stateAppts       = "appointments"
	stateAppt        = "appointment"
	stateApptCancel  = "appointment_cancel"
	stateApptDropped = "appointment_cancelled"

	stateStatusRef     = "status_ref"
	stateStatusRequest = "status_request"
	stateStatusCase    = "status_case"
	stateStatusRate    = "status_rate"
	stateStatusRated   = "status_rated"

	stateComplaintAbout     = "complaint_about"
	stateComplaintCounty    = "complaint_county"
	stateComplaintCentre    = "complaint_centre"
	stateComplaintCategory  = "complaint_category"
	stateComplaintService   = "complaint_service"
	stateComplaintDescribe  = "complaint_describe"
	stateComplaintConfirm   = "complaint_confirm"
	stateComplaintDone      = "complaint_done"
	stateComplaintCancelled = "complaint_cancelled"

	stateCallbackWindow = "callback_window"
	stateCallbackDone   = "callback_done"
)

// Events: what an input means.
const (
	eventHome      = "home"
	eventBack      = "back"
	eventNext      = "next"
	eventBook      = "book"
	eventAppts     = "appointments"
	eventLanguage  = "language"
	eventChosen    = "chosen"
	eventRestart   = "restart"
	eventYes       = "yes"
	eventNo        = "no"
	eventTaken     = "taken"
	eventDuplicate = "duplicate"
	eventCancel    = "cancel"
	eventResume    = "resume_to_" // + the state resumed

	eventStatus     = "status"
	eventComplaint  = "complaint"
	eventAgent      = "agent"
	eventRequest    = "request"
	eventCase       = "case"
	eventRate       = "rate"
	eventRetype     = "retype"
	eventBackCentre = "back_to_centre"
)

// resumeTargets are the booking states a dropped session can be continued from: once a
// county is chosen there is something to lose.
var resumeTargets = map[string]bool{
	stateCentre: true, stateService: true, stateDay: true, stateTime: true, stateConfirm: true,
}

// backEvents names the event 0 fires on a screen whose way back depends on what was chosen
// before it (every other screen with the conventions fires eventBack).
var backEvents = map[string]func(*Session) string{
	// The complaint's category follows the centre list, or the "about a centre?" question
	// when the complaint is not about a centre.
	stateComplaintCategory: func(s *Session) string {
		if s.Channel == ChannelVoice {
			return eventHome // a call starts the complaint at the category
		}
		if s.Draft.Centre != "" {
			return eventBackCentre
		}
		return eventBack
	},
}

// defineMenu is the whole menu in one table: every screen and every way out of it. The 0
// (back) and 00 (main menu) conventions are transitions like any other, so a screen without a
// "back" row has no way back and says so by not offering it.
func (e *Engine) defineMenu() (map[string]state, fsm.Events) {
	states := map[string]state{
		stateLanguage:    {e.buildLanguage, e.handleLanguage},
		stateMain:        {e.buildMain, e.handleMain},
		stateResume:      {e.buildResume, e.handleResume},
		stateCounty:      {e.buildCounty, e.handleCounty},
		stateCentre:      {e.buildCentre, e.handleCentre},
		stateService:     {e.buildService, e.handleService},
		stateDay:         {e.buildDay, e.handleDay},
		stateTime:        {e.buildTime, e.handleTime},
		stateConfirm:     {e.buildConfirm, e.handleConfirm},
		stateBooked:      {e.buildBooked, nil},
		stateAborted:     {e.final("book.aborted"), nil},
		stateDuplicate:   {e.buildDuplicate, nil},
		stateAppts:       {e.buildAppts, e.handleAppts},
		stateAppt:        {e.buildAppt, e.handleAppt},
		stateApptCancel:  {e.buildApptCancel, e.handleApptCancel},
		stateApptDropped: {e.buildApptCancelled, nil},

		stateStatusRef:     {e.buildStatusRef, e.handleStatusRef},
		stateStatusRequest: {e.buildStatusRequest, nil},
		stateStatusCase:    {e.buildStatusCase, e.handleStatusCase},
		stateStatusRate:    {e.buildStatusRate, e.handleStatusRate},
		stateStatusRated:   {e.final("status.rated"), nil},

		stateComplaintAbout:     {e.buildComplaintAbout, e.handleComplaintAbout},
		stateComplaintCounty:    {e.buildComplaintCounty, e.handleCounty},
		stateComplaintCentre:    {e.buildComplaintCentre, e.handleCentre},
		stateComplaintCategory:  {e.buildComplaintCategory, e.handleComplaintCategory},
		stateComplaintService:   {e.buildComplaintService, e.handleComplaintService},
		stateComplaintDescribe:  {e.buildComplaintDescribe, e.handleComplaintDescribe},
		stateComplaintConfirm:   {e.buildComplaintConfirm, e.handleComplaintConfirm},
		stateComplaintDone:      {e.buildComplaintDone, nil},
		stateComplaintCancelled: {e.final("complaint.cancelled"), nil},

		stateCallbackWindow: {e.buildCallbackWindow, e.handleCallbackWindow},
		stateCallbackDone:   {e.buildCallbackDone, nil},
	}
	events := fsm.Events{
		{Name: eventChosen, Src: []string{stateLanguage}, Dst: stateMain},
		{Name: eventBack, Src: []string{stateLanguage}, Dst: stateMain},

		{Name: eventBook, Src: []string{stateMain, stateAppts}, Dst: stateCounty},
		{Name: eventAppts, Src: []string{stateMain}, Dst: stateAppts},
		{Name: eventStatus, Src: []string{stateMain}, Dst: stateStatusRef},
		{Name: eventComplaint, Src: []string{stateMain}, Dst: stateComplaintAbout},
		{Name: eventAgent, Src: []string{stateMain}, Dst: stateCallbackWindow},
		{Name: eventLanguage, Src: []string{stateMain}, Dst: stateLanguage},

		{Name: eventRestart, Src: []string{stateResume}, Dst: stateMain},

		{Name: eventNext, Src: []string{stateCounty}, Dst: stateCentre},
		{Name: eventNext, Src: []string{stateCentre}, Dst: stateService},
		{Name: eventNext, Src: []string{stateService}, Dst: stateDay},
		{Name: eventNext, Src: []string{stateDay}, Dst: stateTime},
		{Name: eventNext, Src: []string{stateTime}, Dst: stateConfirm},
		{Name: eventYes, Src: []string{stateConfirm}, Dst: stateBooked},
		{Name: eventNo, Src: []string{stateConfirm}, Dst: stateAborted},
		{Name: eventTaken, Src: []string{stateConfirm}, Dst: stateTime},
		{Name: eventDuplicate, Src: []string{stateConfirm}, Dst: stateDuplicate},
		{Name: eventBack, Src: []string{stateCounty}, Dst: stateMain},
		{Name: eventBack, Src: []string{stateCentre}, Dst: stateCounty},
		{Name: eventBack, Src: []string{stateService}, Dst: stateCentre},
		{Name: eventBack, Src: []string{stateDay}, Dst: stateService},
		{Name: eventBack, Src: []string{stateTime}, Dst: stateDay},
		{Name: eventBack, Src: []string{stateConfirm}, Dst: stateTime},

		{Name: eventNext, Src: []string{stateAppts}, Dst: stateAppt},
		{Name: eventCancel, Src: []string{stateAppt}, Dst: stateApptCancel},
		{Name: eventYes, Src: []string{stateApptCancel}, Dst: stateApptDropped},
		{Name: eventNo, Src: []string{stateApptCancel}, Dst: stateAppt},
		{Name: eventTaken, Src: []string{stateApptCancel}, Dst: stateAppts},
		{Name: eventBack, Src: []string{stateAppts}, Dst: stateMain},
		{Name: eventBack, Src: []string{stateAppt}, Dst: stateAppts},
		{Name: eventBack, Src: []string{stateApptCancel}, Dst: stateAppt},

		// Status check: a ticket (tracked request) ends on its status; a case may go on to
		// be rated.
		{Name: eventRequest, Src: []string{stateStatusRef}, Dst: stateStatusRequest},
		{Name: eventCase, Src: []string{stateStatusRef}, Dst: stateStatusCase},
		{Name: eventRate, Src: []string{stateStatusCase}, Dst: stateStatusRate},
		{Name: eventYes, Src: []string{stateStatusRate}, Dst: stateStatusRated},
		{Name: eventTaken, Src: []string{stateStatusRate}, Dst: stateStatusCase},
		{Name: eventBack, Src: []string{stateStatusRef}, Dst: stateMain},
		{Name: eventBack, Src: []string{stateStatusCase}, Dst: stateStatusRef},
		{Name: eventBack, Src: []string{stateStatusRate}, Dst: stateStatusCase},

		// Complaint: about a centre (county, centre) or not, category, optional service,
		// description, confirmation.
		{Name: eventYes, Src: []string{stateComplaintAbout}, Dst: stateComplaintCounty},
		{Name: eventNo, Src: []string{stateComplaintAbout}, Dst: stateComplaintCategory},
		{Name: eventNext, Src: []string{stateComplaintCounty}, Dst: stateComplaintCentre},
		{Name: eventNext, Src: []string{stateComplaintCentre}, Dst: stateComplaintCategory},
		{Name: eventNext, Src: []string{stateComplaintCategory}, Dst: stateComplaintService},
		{Name: eventNext, Src: []string{stateComplaintService}, Dst: stateComplaintDescribe},
		{Name: eventNext, Src: []string{stateComplaintDescribe}, Dst: stateComplaintConfirm},
		{Name: eventYes, Src: []string{stateComplaintConfirm}, Dst: stateComplaintDone},
		{Name: eventNo, Src: []string{stateComplaintConfirm}, Dst: stateComplaintCancelled},
		{Name: eventRetype, Src: []string{stateComplaintConfirm}, Dst: stateComplaintDescribe},
		{Name: eventBack, Src: []string{stateComplaintAbout}, Dst: stateMain},
		{Name: eventBack, Src: []string{stateComplaintCounty}, Dst: stateComplaintAbout},
		{Name: eventBack, Src: []string{stateComplaintCentre}, Dst: stateComplaintCounty},
		{Name: eventBack, Src: []string{stateComplaintCategory}, Dst: stateComplaintAbout},
		{Name: eventBackCentre, Src: []string{stateComplaintCategory}, Dst: stateComplaintCentre},
		{Name: eventBack, Src: []string{stateComplaintService}, Dst: stateComplaintCategory},
		{Name: eventBack, Src: []string{stateComplaintDescribe}, Dst: stateComplaintService},
		{Name: eventBack, Src: []string{stateComplaintConfirm}, Dst: stateComplaintDescribe},

		// Talk to an agent: a callback window, then the case.
		{Name: eventNext, Src: []string{stateCallbackWindow}, Dst: stateCallbackDone},
		{Name: eventBack, Src: []string{stateCallbackWindow}, Dst: stateMain},

		{Name: eventHome, Src: []string{
			stateLanguage, stateCounty, stateCentre, stateService, stateDay, stateTime, stateConfirm,
			stateAppts, stateAppt, stateApptCancel,
			stateStatusRef, stateStatusCase, stateStatusRate,
			stateComplaintAbout, stateComplaintCounty, stateComplaintCentre, stateComplaintCategory,
			stateComplaintService, stateComplaintDescribe, stateComplaintConfirm,
			stateCallbackWindow,
		}, Dst: stateMain},
	}
	for target := range resumeTargets {
		events = append(events, fsm.EventDesc{Name: eventResume + target, Src: []string{stateResume}, Dst: target})
	}
	// The phone channel's own screens (voice.go).
	vs, ve := e.voiceMenu()
	for name, st := range vs {
		states[name] = st
	}
	return states, append(events, ve...)
}

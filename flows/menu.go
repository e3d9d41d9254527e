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
)

// resumeTargets are the booking states a dropped session can be continued from: once a
// county is chosen there is something to lose.
var resumeTargets = map[string]bool{
	stateCentre: true, stateService: true, stateDay: true, stateTime: true, stateConfirm: true,
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
	}
	events := fsm.Events{
		{Name: eventChosen, Src: []string{stateLanguage}, Dst: stateMain},
		{Name: eventBack, Src: []string{stateLanguage}, Dst: stateMain},

		{Name: eventBook, Src: []string{stateMain, stateAppts}, Dst: stateCounty},
		{Name: eventAppts, Src: []string{stateMain}, Dst: stateAppts},
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

		{Name: eventHome, Src: []string{
			stateLanguage, stateCounty, stateCentre, stateService, stateDay, stateTime, stateConfirm,
			stateAppts, stateAppt, stateApptCancel,
		}, Dst: stateMain},
	}
	for target := range resumeTargets {
		events = append(events, fsm.EventDesc{Name: eventResume + target, Src: []string{stateResume}, Dst: target})
	}
	return states, events
}

package crm

// The role matrix. Who may see a case:
//
//	agent, supervisor   cases of the general queue
//	centre_manager      general-queue cases about their own centre
//	integrity_officer   integrity-queue cases (corruption and bribery) only
//	admin               cases of the general queue
//	dpo                 none (the data protection officer works citizens' requests, not cases)
//
// Corruption reports are seen by integrity officers and no one else: the centre's staff and
// manager are never alerted and never see the reporter's phone number, and neither does an
// admin. Who may act on a visible case:
//
//	action              agent        supervisor  centre_manager  integrity_officer  admin
//	claim               unassigned   unassigned  no              unassigned         no
//	assign to another   no           yes         no              yes                yes
//	note, reply,        own cases    yes         yes             yes                yes
//	status, resolve
//	escalate by hand    no           yes         no              yes                yes
//	call the citizen    own cases    yes         no              yes                yes
//
// A claim of a case someone else holds is refused as "already claimed by …" (a lost race),
// not as a matter of role: a supervisor takes a colleague's case over with assign.
//
// Calls are the contact centre's: a centre manager works a case by notes and replies, not from
// the contact-centre number. Who may see the agent queues (how many callers wait) and a phone's
// call history:
//
//	                    agent        supervisor  centre_manager  integrity_officer  admin
//	queue lengths       yes          yes         no              no                 yes
//	a phone's calls     calls without a case, and calls of cases they may see
//	                    (integrity officers and centre managers only the latter)
//
// A dpo has no column above: every case is "not found" to them, as it is to anyone who may not
// see it. The citizen's rights under the Data Protection Act (rights.go, views.go) are the
// dpo's and the admin's:
//
//	                          dpo                      admin
//	export a phone's data     everything               everything but corruption reports
//	erase a phone's data      yes                      yes
//	list erasures             yes                      yes
//	who viewed a case/user    every case               general-queue cases only
//
// A corruption report stays the integrity unit's at this door too: an administrator's copy
// of a citizen's data leaves it out (so does the list of its readers), and the dpo's reading
// of one is in its audit trail like every other.

// Action is something a user does to a case.
type Action string

const (
	ActView     Action = "view"
	ActClaim    Action = "claim"
	ActAssign   Action = "assign"
	ActWork     Action = "work" // note, reply, change status, resolve, reopen
	ActEscalate Action = "escalate"
	ActCall     Action = "call" // ring the citizen from the contact-centre number
)

// CanSee reports whether u may see c at all.
func CanSee(u User, c Case) bool {
	switch u.Role {
	case RoleIntegrityOfficer:
		return c.Queue == QueueIntegrity
	case RoleCentreManager:
		return c.Queue == QueueGeneral && u.Centre != "" && c.Centre == u.Centre
	case RoleAgent, RoleSupervisor, RoleAdmin:
		return c.Queue == QueueGeneral
	}
	return false
}

// Can reports whether u may do a to c.
func Can(u User, a Action, c Case) bool {
	if !CanSee(u, c) {
		return false
	}
	switch a {
	case ActView:
		return true
	case ActClaim:
		if u.Role == RoleAgent {
			// An agent takes waiting cases, not a colleague's: moving work between agents
			// is a supervisor's call.
			return c.AssigneeID == 0 || c.AssigneeID == u.ID
		}
		return u.Role == RoleSupervisor || u.Role == RoleIntegrityOfficer
	case ActAssign, ActEscalate:
		return u.Role == RoleSupervisor || u.Role == RoleIntegrityOfficer || u.Role == RoleAdmin
	case ActWork:
		if u.Role == RoleAgent {
			return c.AssigneeID == u.ID
		}
		return true
	case ActCall:
		switch u.Role {
		case RoleAgent:
			return c.AssigneeID == u.ID
		case RoleCentreManager:
			return false
		}
		return true
	}
	return false
}

// CanServeDataRights reports whether u answers citizens' requests under the Data Protection
// Act: a copy of their data, its erasure, and who read their cases.
func CanServeDataRights(u User) bool { return u.Role == RoleDPO || u.Role == RoleAdmin }

// seesIntegrityRecords reports whether u's data-rights work reaches corruption reports: the
// dpo's does, an administrator's does not (see the table above).
func seesIntegrityRecords(u User) bool { return u.Role == RoleDPO }

// CanSeeQueues reports whether u works the contact centre's phones, and so may see how many
// callers wait in the agent queues and the calls that led to no case.
func CanSeeQueues(u User) bool {
	return u.Role == RoleAgent || u.Role == RoleSupervisor || u.Role == RoleAdmin
}

// Scope narrows a case filter to what u may see, so a list never carries a case the user
// could not open. ok is false when the user may see no cases at all.
func Scope(u User, f CaseFilter) (CaseFilter, bool) {
	switch u.Role {
	case RoleIntegrityOfficer:
		f.Queue = QueueIntegrity
	case RoleCentreManager:
		if u.Centre == "" || (f.Centre != "" && f.Centre != u.Centre) {
			return f, false
		}
		f.Queue, f.Centre = QueueGeneral, u.Centre
	case RoleAgent, RoleSupervisor, RoleAdmin:
		if f.Queue == QueueIntegrity {
			return f, false
		}
		f.Queue = QueueGeneral
	default:
		return f, false
	}
	return f, true
}

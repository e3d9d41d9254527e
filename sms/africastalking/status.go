package africastalking

// Outcome is what a recipient's status means for the message: done, try again, or give up.
type Outcome int

const (
	Accepted  Outcome = iota + 1 // Africa's Talking took it; a delivery report follows
	Retryable                    // refused for now (gateway trouble): send again later
	Permanent                    // refused for good for this message: do not send it again
)

func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "accepted"
	case Retryable:
		return "retryable"
	case Permanent:
		return "permanent"
	}
	return "unknown"
}

// Per-recipient status codes, as Africa's Talking documents them.
const (
	StatusProcessed             = 100
	StatusSent                  = 101 // "Success"
	StatusQueued                = 102
	StatusRiskHold              = 401
	StatusInvalidSenderID       = 402
	StatusInvalidPhoneNumber    = 403
	StatusUnsupportedNumberType = 404
	StatusInsufficientBalance   = 405
	StatusUserInBlacklist       = 406 // the subscriber opted out
	StatusCouldNotRoute         = 407
	StatusDoNotDisturb          = 409
	StatusInternalServerError   = 500
	StatusGatewayError          = 501
	StatusRejectedByGateway     = 502
)

// statusNames are the names Africa's Talking gives the codes, for a response that names a
// status without a code (an empty Recipients list carries only a Message).
var statusNames = map[int]string{
	StatusProcessed:             "Processed",
	StatusSent:                  "Success",
	StatusQueued:                "Queued",
	StatusRiskHold:              "RiskHold",
	StatusInvalidSenderID:       "InvalidSenderId",
	StatusInvalidPhoneNumber:    "InvalidPhoneNumber",
	StatusUnsupportedNumberType: "UnsupportedNumberType",
	StatusInsufficientBalance:   "InsufficientBalance",
	StatusUserInBlacklist:       "UserInBlacklist",
	StatusCouldNotRoute:         "CouldNotRoute",
	StatusDoNotDisturb:          "DoNotDisturbRejection",
	StatusInternalServerError:   "InternalServerError",
	StatusGatewayError:          "GatewayError",
	StatusRejectedByGateway:     "RejectedByGateway",
}

// StatusName is Africa's Talking's name for a per-recipient status code, or "" if unknown.
func StatusName(code int) string { return statusNames[code] }

// OutcomeOf sorts a per-recipient status code. 1xx were taken; 5xx are the gateway's
// trouble and pass; everything else (401–407, and 409: the subscriber's do-not-disturb
// setting refuses this message) will fail again. A code Africa's Talking adds later falls
// in with its hundred, except that an unknown 4xx or other code is permanent: failing one
// message is better than sending it over and over.
func OutcomeOf(code int) Outcome {
	switch {
	case code >= 100 && code < 200:
		return Accepted
	case code >= 500 && code < 600:
		return Retryable
	default:
		return Permanent
	}
}

// codeOf looks a status name up, for responses that give only the name.
func codeOf(name string) int {
	for code, n := range statusNames {
		if n == name {
			return code
		}
	}
	return 0
}

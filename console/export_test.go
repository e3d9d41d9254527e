package console

// CaseParams are the query parameters GET /cases takes, for the test that keeps
// openapi.json in step with them.
var CaseParams = caseParams

// The query parameters of the other listing endpoints, for the same test.
var (
	UserParams   = userParams
	RatingParams = ratingParams
	CallParams   = callParams
	// ErasureParams are GET /erasures's.
	ErasureParams = erasureParams
)

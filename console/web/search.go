package web

import (
	"github.com/huduma-connect/huduma/crm"
)

// applySearch narrows f to what the search box asked for (crm.ParseCaseSearch: a case
// number as a citizen reads it, a phone or its last digits, or words of the description). It
// reports false when the search and the list cannot both match any case.
func applySearch(f *crm.CaseFilter, q string) (bool, error) {
	s, err := crm.ParseCaseSearch(q)
	if err != nil {
		return false, err
	}
	narrowed, ok := s.Narrow(*f)
	*f = narrowed
	return ok, nil
}

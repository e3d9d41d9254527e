package postgres

import (
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// searchConditions adds the search fields of f (crm.ParseCaseSearch) to a case query, as
// bound parameters: the text an agent typed is never part of the SQL. where formats cond
// with the number of the parameter it binds (%[1]d may name it twice).
//
//   - Number is the unique index on cases.number.
//   - PhoneEnding compares the last four digits through the index on right(phone, 4)
//     (migration 00010_case_search.sql; the expression here must be the index's for the
//     planner to use it), then the whole ending. An equality, unlike LIKE '%5678', keeps
//     the index usable by a generic plan of the prepared statement.
//   - Words are one ILIKE each, with the wildcards of the word escaped: a scan of what the
//     other conditions leave. See crm.CaseFilter.Words for what a later scale pass should
//     do (a pg_trgm GIN index, which ILIKE '%word%' can use).
func searchConditions(f crm.CaseFilter, where func(cond string, arg any)) {
	if f.Number != "" {
		where("number = $%d", string(f.Number))
	}
	if n := len(f.PhoneEnding); n > 0 {
		if n >= 4 {
			where("right(phone, 4) = $%d", f.PhoneEnding[n-4:])
		}
		if n != 4 {
			where("right(phone, char_length($%[1]d::text)) = $%[1]d::text", f.PhoneEnding)
		}
	}
	for _, w := range f.Words {
		where(`description ILIKE $%d ESCAPE '\'`, "%"+escapeLike(w)+"%")
	}
}

// likeEscaper escapes LIKE's wildcards (and the escape character itself) in user text.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// escapeLike makes s match itself literally inside a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string { return likeEscaper.Replace(s) }

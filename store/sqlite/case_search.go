package sqlite

import (
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// searchConditions adds the search fields of f (crm.ParseCaseSearch) to a case query, as
// bound parameters: the text an agent typed is never part of the SQL.
//
//   - Number is the unique index on cases.number.
//   - PhoneEnding compares the last four digits through the index on substr(phone, -4)
//     (migration 00010_case_search.sql; the expression here must be the index's, word for
//     word, for SQLite to use it), then the whole ending.
//   - Words are one LIKE each, with the wildcards of the word escaped. SQLite's LIKE folds
//     the case of ASCII letters only (English and Kiswahili are written in them); Postgres
//     folds every letter. A scan of what the other conditions leave: see crm.CaseFilter.Words
//     for what a later scale pass should do (an FTS5 table with the trigram tokenizer).
func searchConditions(f crm.CaseFilter, where func(cond string, arg ...any)) {
	if f.Number != "" {
		where("number = ?", string(f.Number))
	}
	if n := len(f.PhoneEnding); n > 0 {
		if n >= 4 {
			where("substr(phone, -4) = ?", f.PhoneEnding[n-4:])
		}
		if n != 4 {
			where("substr(phone, ?) = ?", -n, f.PhoneEnding)
		}
	}
	for _, w := range f.Words {
		where(`description LIKE ? ESCAPE '\'`, "%"+escapeLike(w)+"%")
	}
}

// likeEscaper escapes LIKE's wildcards (and the escape character itself) in user text.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// escapeLike makes s match itself literally inside a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string { return likeEscaper.Replace(s) }

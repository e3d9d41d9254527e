package web

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
)

type boardView struct {
	Open    []boardCount
	People  []boardPerson
	Oldest  []caseRow
	Waited  []string // how long each of Oldest has waited
	Voice   []boardCount
	HasOpen bool
}

type boardCount struct {
	Label string
	Count int
}

type boardPerson struct {
	Name    string
	OnShift bool
	Load    string
	Full    bool
}

// board is GET /console/board: the supervisors' (and the integrity unit's) live view of the
// open work. Others get the same "not found" as for any page not theirs.
func (w *Console) board(c *fiber.Ctx, u crm.User) error {
	b, err := w.office.Board(c.UserContext(), u)
	if err != nil {
		if err == crm.ErrForbidden {
			return w.failPage(c, u, crm.ErrNotFound)
		}
		return w.failPage(c, u, err)
	}
	v := w.view(c, u, "board.title")
	bv := &boardView{HasOpen: len(b.Open) > 0}
	for _, k := range b.Open {
		bv.Open = append(bv.Open, boardCount{Label: "L" + strconv.Itoa(int(k.Level)) + " · " + v.T("lang."+string(k.Lang)), Count: k.Count})
	}
	for _, a := range b.Agents {
		bv.People = append(bv.People, boardPerson{Name: a.User.Name, OnShift: a.User.Available,
			Load: fmt.Sprintf("%d / %d", a.Open, b.Cap), Full: a.Open >= b.Cap})
	}
	names, err := w.userNames(c, u)
	if err != nil {
		return w.failPage(c, u, err)
	}
	for _, cs := range b.Oldest {
		bv.Oldest = append(bv.Oldest, w.row(v, cs, names))
		bv.Waited = append(bv.Waited, duration(v, w.office.Now().Sub(cs.CreatedAt)))
	}
	queues := make([]string, 0, len(b.VoiceQueues))
	for q := range b.VoiceQueues {
		queues = append(queues, q)
	}
	slices.Sort(queues)
	for _, q := range queues {
		bv.Voice = append(bv.Voice, boardCount{Label: q, Count: b.VoiceQueues[q]})
	}
	v.Board = bv
	return w.render(c, fiber.StatusOK, "board", v)
}

// canBoard reports whether u has a board to watch (for the link in the header).
func canBoard(u crm.User) bool {
	return u.Role == crm.RoleSupervisor || u.Role == crm.RoleAdmin || u.Role == crm.RoleIntegrityOfficer
}

package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// SavedReply is an answer agents send often, by name, in one language. It is inserted into a
// reply and edited there before it is sent; it is never sent by itself.
type SavedReply struct {
	ID        int64
	Name      string
	Lang      Lang
	Body      string
	UpdatedBy string
	UpdatedAt time.Time
}

// Limits of a saved reply: a name to pick it by, a body that fits a reply's SMS with room to
// add to it.
const (
	MaxReplyName = 40
	MaxReplyBody = 320
)

// SavedReplyStore keeps the saved replies.
type SavedReplyStore interface {
	// SavedReplies lists every saved reply, by language then name.
	SavedReplies(ctx context.Context) ([]SavedReply, error)
	// PutSavedReply stores r, replacing the one of the same name and language.
	PutSavedReply(ctx context.Context, r SavedReply) (SavedReply, error)
	// DeleteSavedReply removes one; ErrNotFound when there is none.
	DeleteSavedReply(ctx context.Context, id int64) error
}

// canKeepReplies reports whether u keeps the saved replies.
func canKeepReplies(u User) bool { return u.Role == RoleSupervisor || u.Role == RoleAdmin }

// SavedReplies lists the saved replies for anyone who works cases.
func (o *Office) SavedReplies(ctx context.Context, u User) ([]SavedReply, error) {
	if u.Role == RoleCentreManager {
		return nil, ErrForbidden
	}
	list, err := o.store.SavedReplies(ctx)
	if err != nil {
		return nil, fmt.Errorf("saved replies: %w", err)
	}
	return list, nil
}

// PutSavedReply adds or replaces a saved reply (supervisors and administrators).
func (o *Office) PutSavedReply(ctx context.Context, u User, r SavedReply) (SavedReply, error) {
	if !canKeepReplies(u) {
		return SavedReply{}, ErrForbidden
	}
	// The same cleaning as the reply the text goes into, so a NUL or a stray control
	// character is refused here, not by the database.
	var nerr, berr error
	r.Name, nerr = cleanText(r.Name, MaxReplyName)
	r.Body, berr = cleanText(r.Body, MaxReplyBody)
	if err := errors.Join(nerr, berr); err != nil {
		return SavedReply{}, err
	}
	switch {
	case r.Name == "" || utf8.RuneCountInString(r.Name) > MaxReplyName:
		return SavedReply{}, fmt.Errorf("%w: a saved reply's name has 1 to %d characters", ErrBadInput, MaxReplyName)
	case r.Body == "" || utf8.RuneCountInString(r.Body) > MaxReplyBody:
		return SavedReply{}, fmt.Errorf("%w: a saved reply has 1 to %d characters", ErrBadInput, MaxReplyBody)
	case !r.Lang.Valid():
		return SavedReply{}, fmt.Errorf("%w: unknown language %q", ErrBadInput, r.Lang)
	}
	r.UpdatedBy, r.UpdatedAt = u.Username, o.now()
	got, err := o.store.PutSavedReply(ctx, r)
	if err != nil {
		return SavedReply{}, fmt.Errorf("save reply %q: %w", r.Name, err)
	}
	return got, nil
}

// DeleteSavedReply removes a saved reply (supervisors and administrators).
func (o *Office) DeleteSavedReply(ctx context.Context, u User, id int64) error {
	if !canKeepReplies(u) {
		return ErrForbidden
	}
	if err := o.store.DeleteSavedReply(ctx, id); err != nil {
		return fmt.Errorf("delete saved reply %d: %w", id, err)
	}
	return nil
}

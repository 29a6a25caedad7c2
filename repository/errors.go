package repository

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned (wrapped) when a row looked up by id, or through a
// relation, does not exist:
//
//	if errors.Is(err, repository.ErrNotFound) { ... 404 ... }
var ErrNotFound = errors.New("not found")

// ErrConflict is returned (wrapped) when a write would break a rule the
// repository checks before the database does: a has-one source that has
// its target already. The database's own unique constraints are reported
// as a *ConstraintError.
var ErrConflict = errors.New("conflict")

// FieldError is a filter, patch or include that names a field, operator or
// relation the model does not have, or a value of the wrong type. It is
// returned before any SQL is built: input never reaches SQL as text.
type FieldError struct {
	Model  string // Go type name of the model
	Field  string // the name the caller used
	In     string // where it was used: "where", "order", "fields", "include", "patch"
	Reason string // what is wrong, with the known names when it is unknown
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("repository: %s of %q: field %q: %s", e.In, e.Model, e.Field, e.Reason)
}

// notFound builds the error for a missing row: `find "Todo" by id 42: not found`.
func notFound(op, model string, id any) error {
	return fmt.Errorf("repository: %s %q by id %v: %w", op, model, id, ErrNotFound)
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

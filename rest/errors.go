package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/slipwaygo/slipway/repository"
)

// Error is an HTTP error answered in LoopBack's shape:
//
//	{"error": {"statusCode": 422, "name": "UnprocessableEntityError",
//	           "message": "...", "code": "VALIDATION_FAILED",
//	           "details": [{"path": "/title", "code": "maxLength",
//	                        "message": "must NOT have more than 255 characters",
//	                        "info": {"limit": 255}}]},
//	 "status": 422, "message": "..."}
//
// The name follows from the status as in LoopBack (http-errors):
// BadRequestError, NotFoundError, ConflictError, PayloadTooLargeError,
// UnprocessableEntityError, InternalServerError, ... . status and message
// are repeated at the top for clients that read them there. A Check
// returns an *Error to answer with a status of its choice; any other error
// it returns is a 500.
type Error struct {
	Status  int      // HTTP status
	Code    string   // machine-readable code, e.g. VALIDATION_FAILED; may be empty
	Message string   // for the client: names what is wrong, never internals
	Details []Detail // for 422: one per invalid property
	Err     error    // the cause, for the log; never sent
}

// Detail is one reason a request body is invalid, in the form of AJV's
// errors that LoopBack returns: a JSON pointer to the property, the rule
// (keyword) it breaks, a message and the rule's parameters.
type Detail struct {
	Path    string         `json:"path"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Info    map[string]any `json:"info,omitempty"`
}

// Errorf returns an *Error with the given status and message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a 422 for one invalid property of a request body: path is
// a JSON pointer ("/remindAtAddress"), code the rule, message what is wrong.
func Invalid(path, code, message string, info map[string]any) *Error {
	return invalidBody([]Detail{{Path: path, Code: code, Message: message, Info: info}})
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("rest: %d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("rest: %d %s", e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// errorName is LoopBack's (http-errors') name for a status.
func errorName(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "PayloadTooLargeError"
	case http.StatusInternalServerError:
		return "InternalServerError"
	}
	text := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, http.StatusText(status))
	if text == "" {
		text = "Http"
	}
	if !strings.HasSuffix(text, "Error") {
		text += "Error"
	}
	return text
}

// body is the JSON of an error response.
func (e *Error) body() any {
	type inner struct {
		StatusCode int      `json:"statusCode"`
		Name       string   `json:"name"`
		Message    string   `json:"message"`
		Code       string   `json:"code,omitempty"`
		Details    []Detail `json:"details,omitempty"`
	}
	return struct {
		Error   inner  `json:"error"`
		Status  int    `json:"status"`
		Message string `json:"message"`
	}{
		Error:   inner{StatusCode: e.Status, Name: errorName(e.Status), Message: e.Message, Code: e.Code, Details: e.Details},
		Status:  e.Status,
		Message: e.Message,
	}
}

// invalidBody is LoopBack's VALIDATION_FAILED: the message names the
// first problems, the details list them all.
func invalidBody(details []Detail) *Error {
	var parts []string
	for i, d := range details {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(details)-3))
			break
		}
		parts = append(parts, d.sentence())
	}
	return &Error{
		Status:  http.StatusUnprocessableEntity,
		Code:    "VALIDATION_FAILED",
		Message: "The request body is invalid: " + strings.Join(parts, "; ") + ". See error object `details` property for more info.",
		Details: details,
	}
}

// sentence renders a detail for the message, naming the property.
func (d Detail) sentence() string {
	switch d.Code {
	case "additionalProperties":
		return fmt.Sprintf("property %q is not allowed", d.Info["additionalProperty"])
	case "required":
		return fmt.Sprintf("property %q is required", d.Info["missingProperty"])
	}
	if d.Path == "" {
		return "the body " + d.Message
	}
	return strings.TrimPrefix(d.Path, "/") + " " + d.Message
}

// invalidParam is LoopBack's INVALID_PARAMETER_VALUE, a 400.
func invalidParam(name, reason string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_PARAMETER_VALUE", Message: fmt.Sprintf("Invalid data for parameter %q: %s", name, reason)}
}

// notFound is LoopBack's ENTITY_NOT_FOUND.
func notFound(model string, id any) *Error {
	quoted, _ := json.Marshal(id)
	return &Error{Status: http.StatusNotFound, Code: "ENTITY_NOT_FOUND", Message: fmt.Sprintf("Entity not found: %s with id %s", model, quoted)}
}

// fromRepository turns an error of a repository call into the HTTP error a
// client sees; write is true for calls that write (a refused value is then
// the body's fault, 422, rather than the query's, 400). Errors that are not
// the client's stay as they are and become a 500.
func fromRepository(err error, param string, write bool) error {
	var (
		fe *repository.FieldError
		le *repository.LimitError
		ce *repository.ConstraintError
		he *Error
	)
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &le):
		return &Error{Status: http.StatusBadRequest, Code: "FILTER_TOO_COMPLEX", Message: fmt.Sprintf("Invalid data for parameter %q: too complex: %s; the limit is %d (%s)", param, le.What, le.Max, le.Limit), Err: err}
	case errors.As(err, &fe) && write && !fromQuery(fe.In):
		return Invalid("/"+fe.Field, "invalid", fe.Reason, nil)
	case errors.As(err, &fe):
		return &Error{Status: http.StatusBadRequest, Code: "INVALID_PARAMETER_VALUE", Message: fmt.Sprintf("Invalid data for parameter %q: %s: %s: %s", param, fe.In, quoteField(fe), fe.Reason), Err: err}
	case errors.As(err, &ce) && ce.Constraint == repository.UniqueConstraint:
		return &Error{Status: http.StatusConflict, Code: "UNIQUE_CONSTRAINT_VIOLATION", Message: fmt.Sprintf("%s: a row with the same unique value exists", ce.Model), Err: err}
	case errors.As(err, &ce) && write:
		return &Error{Status: http.StatusUnprocessableEntity, Code: constraintCode(ce.Constraint), Message: fmt.Sprintf("%s: the database refused the values (%s)", ce.Model, ce.Constraint), Err: err}
	case errors.As(err, &ce):
		return &Error{Status: http.StatusBadRequest, Code: "INVALID_PARAMETER_VALUE", Message: fmt.Sprintf("Invalid data for parameter %q: the database cannot compare the values given (%s)", param, ce.Constraint), Err: err}
	}
	return err
}

// fromQuery reports whether a FieldError's place is in the query, not the
// body: those are 400 even on a write.
func fromQuery(in string) bool {
	switch in {
	case "where", "order", "fields", "include":
		return true
	}
	return false
}

func quoteField(fe *repository.FieldError) string {
	return fmt.Sprintf("%q of %s", fe.Field, fe.Model)
}

func constraintCode(c repository.Constraint) string {
	switch c {
	case repository.ForeignKeyConstraint:
		return "FOREIGN_KEY_VIOLATION"
	case repository.NotNullConstraint:
		return "NOT_NULL_VIOLATION"
	case repository.CheckConstraint:
		return "CHECK_CONSTRAINT_VIOLATION"
	}
	return "DATA_TYPE_MISMATCH"
}

// internal is the 500 a client sees for any error that is not its own:
// LoopBack's name and message, nothing of the cause.
func internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: http.StatusText(http.StatusInternalServerError), Err: err}
}

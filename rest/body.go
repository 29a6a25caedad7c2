package rest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultMaxBodyBytes is the largest request body the server reads unless
// Config.MaxBodyBytes says otherwise: 1 MiB, as LoopBack's.
const DefaultMaxBodyBytes = 1 << 20

// nulPattern is the pattern text properties declare: no NUL character,
// which no supported database stores in text.
const nulPattern = `^[^\x00]*$`

// readBody reads a request body of at most max bytes that holds a JSON
// value: too large is 413, empty, null or not JSON is 400.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: "ENTITY_TOO_LARGE", Message: fmt.Sprintf("request entity too large: the limit is %d bytes", max)}
	case err != nil:
		return nil, &Error{Status: http.StatusBadRequest, Message: "The request body could not be read", Err: err}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, &Error{Status: http.StatusBadRequest, Code: "MISSING_REQUIRED_PARAMETER", Message: "Request body is required"}
	}
	if reason := jsonSyntax(trimmed); reason != "" {
		return nil, &Error{Status: http.StatusBadRequest, Code: "INVALID_REQUEST_BODY", Message: "The request body is not valid JSON: " + reason}
	}
	return trimmed, nil
}

// jsonSyntax says where data stops being JSON, in words; "" when it is.
func jsonSyntax(data []byte) string {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se) && se.Offset >= int64(len(data)):
		return "it ends before the value is complete"
	case errors.As(err, &se) && se.Offset > 0:
		return fmt.Sprintf("unexpected %q at character %d", data[se.Offset-1], se.Offset)
	}
	return "it is not a JSON value"
}

// bodyRules say what a body may hold besides the model's writable
// properties: a route's fixed values (a relation's foreign key, set by the
// route) may be absent, or must equal the value.
type bodyRules struct {
	partial  bool           // PATCH: nothing is required
	fixed    map[string]any // JSON name -> the value the route sets
	readOnly []string       // JSON names the body may not hold (a key, on update-all)
}

// validate checks a JSON body against the model as LoopBack's AJV does —
// an object, no unknown or generated property, required properties present
// (unless partial), each value of its property's type, text within its
// column's length and free of NUL characters — and returns the names of the
// properties it sets, sorted. Every problem is a Detail of one 422.
func (m *model) validate(data []byte, rules bodyRules) ([]string, error) {
	var raw map[string]json.RawMessage
	if data[0] != '{' || json.Unmarshal(data, &raw) != nil {
		return nil, invalidBody([]Detail{{Path: "", Code: "type", Message: "must be object", Info: map[string]any{"type": "object"}}})
	}
	var details []Detail
	if !rules.partial {
		for _, p := range m.writable() {
			if _, ok := raw[p.Name]; !ok && p.Required && rules.fixed[p.Name] == nil {
				details = append(details, Detail{Path: "", Code: "required", Message: fmt.Sprintf("must have required property '%s'", p.Name), Info: map[string]any{"missingProperty": p.Name}})
			}
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p, ok := m.byKey[k]; !ok || p.Generated || slices.Contains(rules.readOnly, k) {
			details = append(details, Detail{Path: "", Code: "additionalProperties", Message: "must NOT have additional properties", Info: map[string]any{"additionalProperty": k}})
		}
	}
	for _, p := range m.writable() {
		value, ok := raw[p.Name]
		if !ok || slices.Contains(rules.readOnly, p.Name) {
			continue
		}
		if fixed, isFixed := rules.fixed[p.Name]; isFixed {
			details = append(details, checkFixed(p, value, fixed)...)
			continue
		}
		details = append(details, p.check(value)...)
	}
	if len(details) > 0 {
		return nil, invalidBody(details)
	}
	return keys, nil
}

// checkFixed accepts the value the route sets, and nothing else.
func checkFixed(p *prop, value json.RawMessage, fixed any) []Detail {
	want, _ := json.Marshal(fixed)
	if bytes.Equal(bytes.TrimSpace(value), want) {
		return nil
	}
	return []Detail{{Path: "/" + p.Name, Code: "const", Message: fmt.Sprintf("must be equal to %s, the key of the path, or absent", want), Info: map[string]any{"allowedValue": fixed}}}
}

// check validates one property's value.
func (p *prop) check(value json.RawMessage) []Detail {
	path := "/" + p.Name
	typeErr := func() []Detail {
		want := p.json.name
		if want == "" {
			want = "a valid " + p.Type.String()
		}
		return []Detail{{Path: path, Code: "type", Message: "must be " + want, Info: map[string]any{"type": want}}}
	}
	value = bytes.TrimSpace(value)
	if bytes.Equal(value, []byte("null")) {
		if p.Nullable && p.json.nullable {
			return nil
		}
		return typeErr()
	}
	switch p.json.name {
	case "string":
		var s string
		if json.Unmarshal(value, &s) != nil {
			return typeErr()
		}
		if d := p.checkText(path, s); d != nil {
			return []Detail{*d}
		}
	case "integer":
		n, ok := number(value)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			return typeErr()
		}
		if d := p.checkRange(path, n); d != nil {
			return []Detail{*d}
		}
	case "number":
		if _, ok := number(value); !ok {
			return typeErr()
		}
	case "boolean":
		if !bytes.Equal(value, []byte("true")) && !bytes.Equal(value, []byte("false")) {
			return typeErr()
		}
	case "array":
		if value[0] != '[' {
			return typeErr()
		}
	case "object":
		if value[0] != '{' {
			return typeErr()
		}
	}
	// Whatever the checks above let through must decode into the field.
	if json.Unmarshal(value, reflect.New(p.Type).Interface()) != nil {
		return typeErr()
	}
	return nil
}

// checkText applies the rules of text: no NUL, the column's length, a
// required text not empty, the format of a time or of bytes.
func (p *prop) checkText(path, s string) *Detail {
	n := utf8.RuneCountInString(s)
	switch {
	case strings.ContainsRune(s, 0):
		return &Detail{Path: path, Code: "pattern", Message: `must match pattern "` + nulPattern + `" (no NUL character)`, Info: map[string]any{"pattern": nulPattern}}
	case p.MaxLength > 0 && n > p.MaxLength:
		return &Detail{Path: path, Code: "maxLength", Message: fmt.Sprintf("must NOT have more than %d characters", p.MaxLength), Info: map[string]any{"limit": p.MaxLength}}
	case p.Required && n == 0:
		return &Detail{Path: path, Code: "minLength", Message: "must NOT have fewer than 1 characters", Info: map[string]any{"limit": 1}}
	}
	var bad bool
	switch p.json.format {
	case "date-time":
		_, err := time.Parse(time.RFC3339Nano, s)
		bad = err != nil
	case "byte":
		_, err := base64.StdEncoding.DecodeString(s)
		bad = err != nil
	}
	if bad {
		return &Detail{Path: path, Code: "format", Message: fmt.Sprintf("must match format %q", p.json.format), Info: map[string]any{"format": p.json.format}}
	}
	return nil
}

// checkRange applies an integer's bounds: its type's, and int64's.
func (p *prop) checkRange(path string, n json.Number) *Detail {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return &Detail{Path: path, Code: "type", Message: "must be integer", Info: map[string]any{"type": "integer"}}
	}
	lo, hi := p.json.min, p.json.max
	switch {
	case lo != nil && f < *lo:
		return &Detail{Path: path, Code: "minimum", Message: fmt.Sprintf("must be >= %v", *lo), Info: map[string]any{"comparison": ">=", "limit": *lo}}
	case hi != nil && f > *hi:
		return &Detail{Path: path, Code: "maximum", Message: fmt.Sprintf("must be <= %v", *hi), Info: map[string]any{"comparison": "<=", "limit": *hi}}
	}
	if _, err := strconv.ParseInt(string(n), 10, 64); err != nil && (lo == nil || *lo < 0) {
		return &Detail{Path: path, Code: "maximum", Message: "must fit in 64 bits", Info: map[string]any{"comparison": "<=", "limit": float64(1<<63 - 1)}}
	}
	return nil
}

// number reads a JSON number.
func number(value json.RawMessage) (json.Number, bool) {
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return "", false
	}
	n, ok := v.(json.Number)
	return n, ok
}

// setValues returns the values of the named properties of v, for a patch.
func (m *model) setValues(v any, names []string) map[string]any {
	rv := reflect.ValueOf(v).Elem()
	out := make(map[string]any, len(names))
	for _, name := range names {
		p, ok := m.byKey[name]
		if !ok {
			continue
		}
		f, ok := rv.Type().FieldByName(p.Field)
		if !ok {
			continue
		}
		out[name] = rv.FieldByIndex(f.Index).Interface()
	}
	return out
}

// without returns names minus those in drop.
func without(names []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(drop, n) })
}

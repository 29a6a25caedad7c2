package repository

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	bunschema "github.com/uptrace/bun/schema"
)

// Filter selects, orders and shapes the results of Find, as LoopBack's
// filter does. It is usable from Go and decodable from JSON:
//
//	{"where": {"isComplete": false, "title": {"like": "%milk%"}},
//	 "order": ["title ASC", "id DESC"], "limit": 10, "offset": 20,
//	 "fields": ["id", "title"], "include": ["todoList"]}
//
// Field names are the model's JSON names (its Go field names and column
// names work too). An unknown field, operator or relation is a *FieldError;
// values are converted to the field's Go type before they reach SQL.
type Filter struct {
	Where  Where
	Order  []string // "field", "field ASC" or "field DESC"
	Limit  int      // 0 means no limit
	Offset int      // rows to skip ("skip" in JSON works too)
	// Fields are the fields to read; empty reads every field, and a name
	// with a leading "-" leaves a field out ({"desc": false} in JSON).
	// The other fields of the rows Find returns are zero values that were
	// never read: see Repository.Projection.
	Fields  []string
	Include []Include
}

// Where is a LoopBack where clause. Keys are field names, or "and"/"or"
// with a list of Where. A field's value is either the value it must equal,
// or a map of operators to values:
//
//	Where{"title": "welcome"}                               // title = 'welcome'
//	Where{"priority": Cond{"gte": 2, "lt": 5}}              // both must hold
//	Where{"or": []Where{{"isComplete": true}, {"desc": nil}}} // nil means IS NULL
//
// Operators: eq, neq, gt, gte, lt, lte, inq and nin (a list), between (a
// list of two), like and nlike (a pattern with % and _, case-sensitive),
// ilike and nilike (the same, ignoring case), regexp ("^mil" or
// "/^mil/i"). Text compares case-sensitively and exactly on every database;
// see the package documentation.
type Where map[string]any

// Cond maps operators to values for one field of a Where.
type Cond = map[string]any

// Include loads a relation with the results, optionally narrowed by a
// scope (its where, order, limit and fields apply to the related rows, and
// its limit and offset to those of each row).
type Include struct {
	Relation string
	Scope    *Filter
}

var operators = []string{"eq", "neq", "gt", "gte", "lt", "lte", "inq", "nin", "between", "like", "nlike", "ilike", "nilike", "regexp"}

// ParseFilter decodes a filter from JSON, as sent in ?filter=. Unknown keys
// are an error.
func ParseFilter(data []byte) (*Filter, error) {
	f := new(Filter)
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	if err := f.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return f, nil
}

// UnmarshalJSON decodes LoopBack's filter forms: order as a string or a
// list, fields as a list or an object of booleans, include as a string, a
// list of strings, or a list of {"relation": ..., "scope": {...}}.
func (f *Filter) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := decodeJSON(data, &raw); err != nil {
		return fmt.Errorf("repository: filter: %w", err)
	}
	*f = Filter{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v := raw[key]
		var err error
		switch key {
		case "where":
			err = decodeJSON(v, &f.Where)
		case "order":
			f.Order, err = stringOrList(v)
		case "limit":
			err = decodeJSON(v, &f.Limit)
		case "offset", "skip":
			err = decodeJSON(v, &f.Offset)
		case "fields":
			f.Fields, err = decodeFields(v)
		case "include":
			f.Include, err = decodeIncludes(v)
		default:
			return fmt.Errorf("repository: filter: unknown key %q (want where, order, limit, offset, skip, fields or include)", key)
		}
		if err != nil {
			return fmt.Errorf("repository: filter: %s: %w", key, err)
		}
	}
	if f.Limit < 0 || f.Offset < 0 {
		return fmt.Errorf("repository: filter: limit and offset must not be negative")
	}
	return nil
}

// ParseWhere decodes a where clause from JSON, as sent in ?where= to count,
// update or delete: {"isComplete": true, "title": {"like": "%milk%"}}.
// Empty input is a nil Where (every row). Field names are checked when the
// Where is used.
func ParseWhere(data []byte) (Where, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	var w Where
	if err := decodeJSON(data, &w); err != nil {
		return nil, fmt.Errorf("repository: where: %w", err)
	}
	return w, nil
}

// decodeJSON decodes with numbers kept exact (json.Number).
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func stringOrList(data []byte) ([]string, error) {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("want a string or a list of strings")
	}
	return list, nil
}

func decodeFields(data []byte) ([]string, error) {
	var list []string
	if err := json.Unmarshal(data, &list); err == nil {
		return list, nil
	}
	var set map[string]bool
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("want a list of names or an object of booleans")
	}
	var fields, excluded []string
	for name, on := range set {
		if on {
			fields = append(fields, name)
		} else {
			excluded = append(excluded, name)
		}
	}
	sort.Strings(fields)
	if len(fields) == 0 && len(excluded) > 0 {
		sort.Strings(excluded)
		for i, name := range excluded {
			excluded[i] = "-" + name // resolved against the model later
		}
		return excluded, nil
	}
	return fields, nil
}

func decodeIncludes(data []byte) ([]Include, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		items = []json.RawMessage{data}
	}
	var out []Include
	for _, item := range items {
		var name string
		if err := json.Unmarshal(item, &name); err == nil {
			out = append(out, Include{Relation: name})
			continue
		}
		var obj struct {
			Relation string  `json:"relation"`
			Scope    *Filter `json:"scope"`
		}
		dec := json.NewDecoder(bytes.NewReader(item))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&obj); err != nil || obj.Relation == "" {
			return nil, fmt.Errorf(`want "relation", ["relation", ...] or [{"relation": "...", "scope": {...}}]`)
		}
		out = append(out, Include{Relation: obj.Relation, Scope: obj.Scope})
	}
	return out, nil
}

// orderSQL resolves "field [ASC|DESC]" items into one ORDER BY list.
func (m *model) orderSQL(order []string) (string, error) {
	if len(order) == 0 {
		return "", nil
	}
	var buf [4]string
	items := buf[:0]
	for _, item := range order {
		name, dir, ok := splitOrder(item)
		if !ok {
			return "", &FieldError{Model: m.name, Field: item, In: "order", Reason: `want "field", "field ASC" or "field DESC"`}
		}
		f, err := m.field(name, "order")
		if err != nil {
			return "", err
		}
		desc := false
		switch {
		case dir == "", strings.EqualFold(dir, "ASC"):
		case strings.EqualFold(dir, "DESC"):
			desc = true
		default:
			return "", &FieldError{Model: m.name, Field: name, In: "order", Reason: fmt.Sprintf("direction %q is not ASC or DESC", dir)}
		}
		if desc {
			items = append(items, m.columns[f].order[1])
		} else {
			items = append(items, m.columns[f].order[0])
		}
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return strings.Join(items, ", "), nil
}

// splitOrder splits an order item into its one or two words, as
// strings.Fields would; ok is false for none or more than two.
func splitOrder(item string) (name, dir string, ok bool) {
	item = strings.TrimSpace(item)
	if item == "" {
		return "", "", false
	}
	i := strings.IndexFunc(item, unicode.IsSpace)
	if i < 0 {
		return item, "", true
	}
	name, dir = item[:i], strings.TrimSpace(item[i:])
	return name, dir, strings.IndexFunc(dir, unicode.IsSpace) < 0
}

// selection resolves a filter's fields to the model fields it selects; nil
// selects every field. Names with a leading "-" exclude a field (LoopBack's
// {"desc": false}); when any name includes, the exclusions are ignored, as
// in LoopBack.
func (m *model) selection(fields []string) ([]*bunschema.Field, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	include := map[*bunschema.Field]bool{}
	exclude := map[*bunschema.Field]bool{}
	for _, name := range fields {
		rest, excluded := strings.CutPrefix(name, "-")
		f, err := m.field(rest, "fields")
		if err != nil {
			return nil, err
		}
		if excluded {
			exclude[f] = true
		} else {
			include[f] = true
		}
	}
	var out []*bunschema.Field
	for _, f := range m.table.Fields {
		if len(include) > 0 && include[f] || len(include) == 0 && !exclude[f] {
			out = append(out, f)
		}
	}
	return out, nil
}

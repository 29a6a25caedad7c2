package repository

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/uptrace/bun"
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
	Where   Where
	Order   []string // "field", "field ASC" or "field DESC"
	Limit   int      // 0 means no limit
	Offset  int      // rows to skip ("skip" in JSON works too)
	Fields  []string // the fields to select; empty selects every field
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
// list of two), like and nlike (a pattern with % and _).
type Where map[string]any

// Cond maps operators to values for one field of a Where.
type Cond = map[string]any

// Include loads a relation with the results, optionally narrowed by a
// scope (its where, order, limit and fields apply to the related rows).
type Include struct {
	Relation string
	Scope    *Filter
}

var operators = []string{"eq", "neq", "gt", "gte", "lt", "lte", "inq", "nin", "between", "like", "nlike"}

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

// ---- building SQL ----

// whereSQL renders a Where as SQL with placeholders: identifiers are bun
// idents and values are arguments, never text from the caller. With
// qualify, columns are prefixed with the query's table alias.
func (m *model) whereSQL(w Where, qualify bool) (string, []any, error) {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var (
		parts []string
		args  []any
	)
	for _, key := range keys {
		value := w[key]
		if key == "and" || key == "or" {
			list, err := whereList(value)
			if err != nil {
				return "", nil, &FieldError{Model: m.name, Field: key, In: "where", Reason: err.Error()}
			}
			var subs []string
			for _, sub := range list {
				s, a, err := m.whereSQL(sub, qualify)
				if err != nil {
					return "", nil, err
				}
				if s != "" {
					subs = append(subs, "("+s+")")
					args = append(args, a...)
				}
			}
			if len(subs) > 0 {
				parts = append(parts, "("+strings.Join(subs, " "+strings.ToUpper(key)+" ")+")")
			}
			continue
		}
		f, err := m.field(key, "where")
		if err != nil {
			return "", nil, err
		}
		conds, ok := asCond(value)
		if !ok {
			conds = Cond{"eq": value}
		}
		ops := make([]string, 0, len(conds))
		for op := range conds {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			s, a, err := m.condSQL(f, op, conds[op], qualify)
			if err != nil {
				return "", nil, err
			}
			parts = append(parts, s)
			args = append(args, a...)
		}
	}
	return strings.Join(parts, " AND "), args, nil
}

func whereList(v any) ([]Where, error) {
	switch list := v.(type) {
	case []Where:
		return list, nil
	case []map[string]any:
		out := make([]Where, len(list))
		for i, w := range list {
			out[i] = w
		}
		return out, nil
	case []any:
		out := make([]Where, len(list))
		for i, item := range list {
			w, ok := asCond(item)
			if !ok {
				return nil, fmt.Errorf("want a list of where objects")
			}
			out[i] = Where(w)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of where objects")
}

// asCond returns v as an operator map when it is one.
func asCond(v any) (map[string]any, bool) {
	switch c := v.(type) {
	case map[string]any:
		return c, true
	case Where:
		return c, true
	}
	return nil, false
}

func (m *model) condSQL(f *bunschema.Field, op string, value any, qualify bool) (string, []any, error) {
	col := "?"
	if qualify {
		col = "?TableAlias.?"
	}
	ident := bun.Ident(f.Name)
	fail := func(reason string) error {
		return &FieldError{Model: m.name, Field: jsonOrGo(f), In: "where", Reason: reason}
	}
	one := func() (any, error) {
		if _, isList := value.([]any); isList {
			return nil, fail(fmt.Sprintf("operator %q takes one value, not a list", op))
		}
		return m.convert(f, value, "where")
	}
	switch op {
	case "eq", "neq":
		v, err := one()
		if err != nil {
			return "", nil, err
		}
		switch {
		case v == nil && op == "eq":
			return col + " IS NULL", []any{ident}, nil
		case v == nil:
			return col + " IS NOT NULL", []any{ident}, nil
		case op == "eq":
			return col + " = ?", []any{ident, v}, nil
		default:
			return col + " <> ?", []any{ident, v}, nil
		}
	case "gt", "gte", "lt", "lte":
		v, err := one()
		if err != nil {
			return "", nil, err
		}
		if v == nil {
			return "", nil, fail(fmt.Sprintf("operator %q needs a value, not null", op))
		}
		sym := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
		return col + " " + sym + " ?", []any{ident, v}, nil
	case "inq", "nin", "between":
		list, ok := value.([]any)
		if !ok {
			rv := reflect.ValueOf(value)
			if rv.Kind() != reflect.Slice {
				return "", nil, fail(fmt.Sprintf("operator %q takes a list", op))
			}
			for i := range rv.Len() {
				list = append(list, rv.Index(i).Interface())
			}
		}
		vals := make([]any, len(list))
		for i, item := range list {
			v, err := m.convert(f, item, "where")
			if err != nil {
				return "", nil, err
			}
			vals[i] = v
		}
		switch {
		case op == "between" && len(vals) != 2:
			return "", nil, fail(fmt.Sprintf(`operator "between" takes a list of two values, got %d`, len(vals)))
		case op == "between":
			return col + " BETWEEN ? AND ?", []any{ident, vals[0], vals[1]}, nil
		case len(vals) == 0 && op == "inq":
			return "1 = 0", nil, nil
		case len(vals) == 0:
			return "1 = 1", nil, nil
		case op == "inq":
			return col + " IN (?)", []any{ident, bun.List(vals)}, nil
		default:
			return col + " NOT IN (?)", []any{ident, bun.List(vals)}, nil
		}
	case "like", "nlike":
		pattern, ok := value.(string)
		if !ok {
			return "", nil, fail(fmt.Sprintf("operator %q takes a string pattern", op))
		}
		if op == "like" {
			return col + " LIKE ?", []any{ident, pattern}, nil
		}
		return col + " NOT LIKE ?", []any{ident, pattern}, nil
	}
	return "", nil, fail(fmt.Sprintf("unknown operator %q (known: %s)", op, strings.Join(operators, ", ")))
}

// orderSQL resolves "field [ASC|DESC]" items.
func (m *model) orderSQL(order []string) ([]string, [][]any, error) {
	var (
		exprs []string
		args  [][]any
	)
	for _, item := range order {
		parts := strings.Fields(item)
		if len(parts) == 0 || len(parts) > 2 {
			return nil, nil, &FieldError{Model: m.name, Field: item, In: "order", Reason: `want "field", "field ASC" or "field DESC"`}
		}
		f, err := m.field(parts[0], "order")
		if err != nil {
			return nil, nil, err
		}
		dir := "ASC"
		if len(parts) == 2 {
			dir = strings.ToUpper(parts[1])
			if dir != "ASC" && dir != "DESC" {
				return nil, nil, &FieldError{Model: m.name, Field: parts[0], In: "order", Reason: fmt.Sprintf("direction %q is not ASC or DESC", parts[1])}
			}
		}
		exprs = append(exprs, "?TableAlias.? "+dir)
		args = append(args, []any{bun.Ident(f.Name)})
	}
	return exprs, args, nil
}

// columns resolves the fields to select; a leading "-" excludes a field.
func (m *model) columns(fields []string, extra []*bunschema.Field) ([]string, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	var cols []string
	exclude := map[string]bool{}
	for _, name := range fields {
		if rest, ok := strings.CutPrefix(name, "-"); ok {
			f, err := m.field(rest, "fields")
			if err != nil {
				return nil, err
			}
			exclude[f.Name] = true
			continue
		}
		f, err := m.field(name, "fields")
		if err != nil {
			return nil, err
		}
		if !slices.Contains(cols, f.Name) {
			cols = append(cols, f.Name)
		}
	}
	if len(exclude) > 0 {
		for _, f := range m.table.Fields {
			if !exclude[f.Name] {
				cols = append(cols, f.Name)
			}
		}
	}
	for _, f := range extra {
		if !slices.Contains(cols, f.Name) {
			cols = append(cols, f.Name)
		}
	}
	return cols, nil
}

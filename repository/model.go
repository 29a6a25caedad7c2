package repository

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	bunschema "github.com/uptrace/bun/schema"
)

// model is what a repository knows about its model: the bun table and the
// names a caller may use for each field.
type model struct {
	name   string // Go type name, for messages
	typ    reflect.Type
	table  *bunschema.Table
	fields map[string]*bunschema.Field    // by JSON name, Go name and column name
	rels   map[string]*bunschema.Relation // by JSON name and Go name
	known  []string                       // JSON names of fields, for messages
	pk     *bunschema.Field

	dialect dialect.Name
	columns map[*bunschema.Field]*columnSQL // SQL of each field, rendered once
}

// newModel reads T's bun metadata. bun panics on malformed models; the
// panic becomes an error naming the model.
func newModel(db *bun.DB, typ reflect.Type) (m *model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("repository: model %q: bun rejects it: %v", typ.Name(), r)
		}
	}()
	if typ.Kind() != reflect.Struct {
		return nil, fmt.Errorf("repository: model %s is not a struct", typ)
	}
	t := db.Table(typ)
	m = &model{
		name: typ.Name(), typ: typ, table: t, dialect: db.Dialect().Name(),
		fields:  map[string]*bunschema.Field{},
		rels:    map[string]*bunschema.Relation{},
		columns: make(map[*bunschema.Field]*columnSQL, len(t.Fields)),
	}
	for _, f := range t.Fields {
		m.columns[f] = newColumnSQL(m.dialect, f)
		js := jsonName(f.StructField)
		for _, n := range []string{js, f.GoName, f.Name} {
			if n != "" {
				m.fields[n] = f
			}
		}
		if js != "" {
			m.known = append(m.known, js)
		}
	}
	for goName, rel := range t.Relations {
		m.rels[goName] = rel
		if js := jsonName(rel.Field.StructField); js != "" {
			m.rels[js] = rel
		}
	}
	if len(t.PKs) == 1 {
		m.pk = t.PKs[0]
	}
	return m, nil
}

// jsonName is the field's name in JSON: its json tag name, or the Go name;
// "" when the field is excluded from JSON.
func jsonName(sf reflect.StructField) string {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return sf.Name
}

// field resolves a caller's field name.
func (m *model) field(name, where string) (*bunschema.Field, error) {
	if f, ok := m.fields[name]; ok {
		return f, nil
	}
	return nil, &FieldError{Model: m.name, Field: name, In: where, Reason: "unknown field (known: " + strings.Join(m.known, ", ") + ")"}
}

// relation resolves a caller's relation name.
func (m *model) relation(name string) (*bunschema.Relation, error) {
	if rel, ok := m.rels[name]; ok {
		return rel, nil
	}
	var names []string
	for n, rel := range m.rels {
		if n == jsonName(rel.Field.StructField) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	known := "none"
	if len(names) > 0 {
		known = strings.Join(names, ", ")
	}
	return nil, &FieldError{Model: m.name, Field: name, In: "include", Reason: "unknown relation (known: " + known + ")"}
}

// primaryKey returns the single primary key field, or an error for models
// without one or with a composite key.
func (m *model) primaryKey(op string) (*bunschema.Field, error) {
	if m.pk == nil {
		return nil, fmt.Errorf("repository: %s %q: the model needs exactly one primary key column, it has %d", op, m.name, len(m.table.PKs))
	}
	return m.pk, nil
}

// idCond renders the condition selecting the row whose primary key is id —
// what Where{pk: Cond{"eq": id}} renders, without building the Where.
// With qualify, the column is prefixed with the query's table alias.
func (m *model) idCond(op string, id any, qualify bool) (string, []any, error) {
	pk, err := m.primaryKey(op)
	if err != nil {
		return "", nil, err
	}
	if id == nil {
		return "", nil, nilID(op, m.name)
	}
	args := make([]any, 0, 2)
	s, err := m.condSQL(&args, pk, "eq", id, qualify)
	if err != nil {
		return "", nil, err
	}
	return s, args, nil
}

func nilID(op, model string) error {
	return fmt.Errorf("repository: %s %q: nil id", op, model)
}

// convert turns a caller's value (from Go or decoded JSON) into a value of
// the field's Go type, so that a filter or a patch is checked against the
// model before it reaches SQL.
func (m *model) convert(f *bunschema.Field, v any, where string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok && strings.ContainsRune(s, 0) {
		return nil, &FieldError{Model: m.name, Field: jsonOrGo(f), In: where, Reason: "the value contains a NUL character, which no supported database stores in text"}
	}
	target := f.StructField.Type
	rv := reflect.ValueOf(v)
	if rv.Type().AssignableTo(target) {
		return v, nil
	}
	if target.Kind() == reflect.Pointer && rv.Type().AssignableTo(target.Elem()) {
		p := reflect.New(target.Elem())
		p.Elem().Set(rv)
		return p.Interface(), nil
	}
	if s, ok := v.(string); ok {
		v = fromText(s, target)
	}
	// Anything else goes through JSON, which refuses what would be lost
	// (3.7 into an integer, 300 into an int8, "x" into a boolean).
	data, err := json.Marshal(v)
	if err != nil {
		return nil, &FieldError{Model: m.name, Field: jsonOrGo(f), In: where, Reason: fmt.Sprintf("value %v: %v", v, err)}
	}
	out := reflect.New(target)
	if err := json.Unmarshal(data, out.Interface()); err != nil {
		return nil, &FieldError{Model: m.name, Field: jsonOrGo(f), In: where, Reason: fmt.Sprintf("value %s is not a valid %s", data, typeWord(target))}
	}
	return out.Elem().Interface(), nil
}

// fromText reads a string as the number or boolean a numeric or boolean
// field wants, as a query string (?where[priority]=2) sends every value;
// anything else is left as it is.
func fromText(s string, target reflect.Type) any {
	for target.Kind() == reflect.Pointer {
		target = target.Elem()
	}
	switch {
	case isNumberish(target.Kind()):
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return json.Number(s)
		}
	case target.Kind() == reflect.Bool:
		if b, err := strconv.ParseBool(s); err == nil && (s == "true" || s == "false") {
			return b
		}
	}
	return s
}

func isNumberish(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func typeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Bool:
		return "boolean"
	case isNumberish(t.Kind()):
		return "number"
	case t.Kind() == reflect.String:
		return "string"
	default:
		return t.String()
	}
}

func jsonOrGo(f *bunschema.Field) string {
	if js := jsonName(f.StructField); js != "" {
		return js
	}
	return f.GoName
}

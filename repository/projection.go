package repository

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	bunschema "github.com/uptrace/bun/schema"
)

// Projection is what rows found with a filter truly hold: the properties
// the filter's fields select (every one without fields) and the relations
// it includes, each with the projection of its scope.
//
// A Go struct cannot leave a field out, so Find leaves the fields a filter
// does not select at their zero value — false, 0, "" — which are not the
// row's values. Encoding such a row with encoding/json would show them as
// if they were. Marshal encodes only what was read: with fields ["title"]
// a todo is {"title":"milk"}, never {"id":4,"title":"milk","isComplete":false}.
// The rest package answers every find this way.
type Projection struct {
	m       *model
	fields  map[string]bool // JSON names shown; nil shows every field
	include []projectedRelation
}

type projectedRelation struct {
	name   string           // JSON name of the relation field
	field  *bunschema.Field // the relation's struct field
	toMany bool
	proj   *Projection
}

// Projection resolves f as Find would and returns what its rows hold. It
// fails as Find does for an unknown field, operator or relation, before any
// SQL; a nil filter holds every field and no relation.
func (r *Repository[T]) Projection(f *Filter) (*Projection, error) {
	c, err := compile(r.models, r.m, f)
	if err != nil {
		return nil, err
	}
	return &c.proj, nil
}

// Fields returns the JSON names of the properties the projection holds, in
// the model's field order.
func (p *Projection) Fields() []string {
	var out []string
	for _, f := range p.m.table.Fields {
		if name := jsonName(f.StructField); name != "" && (p.fields == nil || p.fields[name]) {
			out = append(out, name)
		}
	}
	return out
}

// Relations returns the JSON names of the included relations.
func (p *Projection) Relations() []string {
	out := make([]string, len(p.include))
	for i, inc := range p.include {
		out[i] = inc.name
	}
	return out
}

// Marshal encodes v — a row (a pointer to the model or the model), or a
// slice of rows, as Find and FindByID return them — as JSON holding only
// what the projection holds. A model's own MarshalJSON, if any, is used and
// its output trimmed; properties that are not columns are kept only when
// every field is selected. An included to-many relation is always present
// ([] when empty); a to-one relation that matched nothing is left out.
func (p *Projection) Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := p.write(&b, reflect.ValueOf(v)); err != nil {
		return nil, fmt.Errorf("repository: encode %q: %w", p.m.name, err)
	}
	return b.Bytes(), nil
}

func (p *Projection) write(b *bytes.Buffer, v reflect.Value) error {
	for v.IsValid() && v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	switch {
	case !v.IsValid(), v.Kind() == reflect.Pointer && v.IsNil():
		b.WriteString("null")
		return nil
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := p.write(b, v.Index(i)); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case v.Kind() == reflect.Pointer:
		return p.writeRow(b, v)
	case v.Kind() == reflect.Struct:
		ptr := reflect.New(v.Type()) // addressable, for pointer-receiver MarshalJSON
		ptr.Elem().Set(v)
		return p.writeRow(b, ptr)
	}
	return fmt.Errorf("cannot encode a %s as a row", v.Type())
}

// writeRow writes one row (a non-nil pointer to a struct).
func (p *Projection) writeRow(b *bytes.Buffer, ptr reflect.Value) error {
	data, err := json.Marshal(ptr.Interface())
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		b.Write(data) // not an object: nothing to trim
		return nil
	}
	b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if !p.shows(key) {
			continue
		}
		sep()
		name, _ := json.Marshal(key)
		b.Write(name)
		b.WriteByte(':')
		b.Write(raw)
	}
	row := ptr.Elem()
	for _, inc := range p.include {
		rv := inc.field.Value(row)
		if !inc.toMany && (rv.Kind() == reflect.Pointer && rv.IsNil() || rv.IsZero()) {
			continue
		}
		sep()
		name, _ := json.Marshal(inc.name)
		b.Write(name)
		b.WriteByte(':')
		if inc.toMany && rv.IsNil() {
			b.WriteString("[]")
			continue
		}
		if err := inc.proj.write(b, rv); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// shows reports whether a property of the struct's own JSON is written:
// selected columns, and other properties only when everything is selected.
// Relations are written from the includes, never from the struct's JSON.
func (p *Projection) shows(key string) bool {
	if _, ok := p.m.rels[key]; ok {
		return false
	}
	f, isColumn := p.m.fields[key]
	switch {
	case !isColumn:
		return p.fields == nil
	case jsonName(f.StructField) != key:
		return false // a Go or column name that happens to be a JSON key elsewhere
	default:
		return p.fields == nil || p.fields[key]
	}
}

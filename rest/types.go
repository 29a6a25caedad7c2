package rest

import (
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"time"

	"github.com/slipwaygo/slipway/repository"
)

// jsonType is how a Go type travels in JSON: the JSON Schema type and
// format of its values, the bounds of an integer, the items of an array.
type jsonType struct {
	name     string // "string", "integer", "number", "boolean", "array", "object"; "" for any value
	format   string // "date-time", "int32", "int64", "byte", ...
	nullable bool   // a pointer, slice or map: null is a value
	min, max *float64
	items    *jsonType
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func bound(v float64) *float64 { return &v }

// jsonTypeOf classifies t as encoding/json writes it.
func jsonTypeOf(t reflect.Type) jsonType {
	var jt jsonType
	for t.Kind() == reflect.Pointer {
		jt.nullable = true
		t = t.Elem()
	}
	switch {
	case t == timeType:
		jt.name, jt.format = "string", "date-time"
		return jt
	case t == rawMessageType:
		return jt // any JSON value
	case t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType):
		return jt
	case t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		jt.name = "string"
		return jt
	}
	switch t.Kind() {
	case reflect.String:
		jt.name = "string"
	case reflect.Bool:
		jt.name = "boolean"
	case reflect.Int8:
		jt.name, jt.format, jt.min, jt.max = "integer", "int32", bound(math.MinInt8), bound(math.MaxInt8)
	case reflect.Int16:
		jt.name, jt.format, jt.min, jt.max = "integer", "int32", bound(math.MinInt16), bound(math.MaxInt16)
	case reflect.Int32:
		jt.name, jt.format = "integer", "int32"
	case reflect.Int, reflect.Int64:
		jt.name, jt.format = "integer", "int64"
	case reflect.Uint8:
		jt.name, jt.format, jt.min, jt.max = "integer", "int32", bound(0), bound(math.MaxUint8)
	case reflect.Uint16:
		jt.name, jt.format, jt.min, jt.max = "integer", "int32", bound(0), bound(math.MaxUint16)
	case reflect.Uint32:
		jt.name, jt.format, jt.min = "integer", "int64", bound(0)
	case reflect.Uint, reflect.Uint64:
		jt.name, jt.min = "integer", bound(0)
	case reflect.Float32:
		jt.name, jt.format = "number", "float"
	case reflect.Float64:
		jt.name, jt.format = "number", "double"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			jt.name, jt.format = "string", "byte"
			jt.nullable = true
			return jt
		}
		items := jsonTypeOf(t.Elem())
		jt.name, jt.items = "array", &items
		jt.nullable = jt.nullable || t.Kind() == reflect.Slice
	case reflect.Map:
		jt.name, jt.nullable = "object", true
	case reflect.Struct:
		jt.name = "object"
	}
	return jt
}

// prop is a model property with its JSON type.
type prop struct {
	repository.Property
	json jsonType
}

// model is what the REST layer knows of a model: its properties and
// relations, and the JSON names of its single primary key.
type model struct {
	name  string
	typ   reflect.Type
	props []prop
	byKey map[string]*prop
	id    *prop // the single primary key; nil without one
	rels  []repository.Relation
}

func newModel(info *repository.ModelInfo) *model {
	m := &model{name: info.Name, typ: info.Type, byKey: map[string]*prop{}, rels: info.Relations}
	pks := 0
	for _, p := range info.Properties {
		if p.Name == "" {
			continue // not in JSON
		}
		m.props = append(m.props, prop{Property: p, json: jsonTypeOf(p.Type)})
	}
	for i := range m.props {
		p := &m.props[i]
		m.byKey[p.Name] = p
		if p.PrimaryKey {
			pks++
			m.id = p
		}
	}
	if pks != 1 {
		m.id = nil
	}
	return m
}

// writable returns the properties a client sends: not generated.
func (m *model) writable() []*prop {
	var out []*prop
	for i := range m.props {
		if !m.props[i].Generated {
			out = append(out, &m.props[i])
		}
	}
	return out
}

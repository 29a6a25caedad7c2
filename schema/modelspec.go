package schema

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Models described as data: the Go source writer (gosource.go) prints
// them, the LoopBack builder (loopback.go) makes struct types of them with
// reflect. Both write the same tags, so what one can say the other can.

// modelSpec is one bun model: a named struct type for a table or view.
type modelSpec struct {
	typeName string // Go type name
	table    string // bun's table name, "schema.table" outside the current schema
	doc      string // the type's doc comment, without "// "
	view     bool
	fields   []*fieldSpec
	// indexes are those struct tags cannot say, declared by an Indexes
	// method (Indexer): expression and partial indexes, and composite
	// indexes whose columns are not in field order.
	indexes []Index
	// pk are the primary key's columns, in key order.
	pk []string
}

// fieldSpec is one field of a model: a column, or a belongs-to relation.
type fieldSpec struct {
	name    string // Go field name
	column  string // column name; "" for a relation
	typ     goType
	ptr     bool     // *typ: a nullable column of a type whose zero value is not NULL
	bun     []string // bun tag options after the name: "type:...", "pk", ...
	slipway []string // slipway tag options
	json    string
	ref     *modelSpec // the model a relation points to
	comment string     // a comment above the field
	omit    bool       // written as a comment only: a model cannot declare the column
}

// goType is a Go type a field may have, with its spelling in source.
type goType struct {
	src     string // "int64", "time.Time", "json.RawMessage"
	typ     reflect.Type
	pkg     string // import path the spelling needs; "" for none
	nilable bool   // nil is NULL: a nullable column needs no pointer
}

var (
	goBool    = goType{src: "bool", typ: reflect.TypeFor[bool]()}
	goInt8    = goType{src: "int8", typ: reflect.TypeFor[int8]()}
	goInt16   = goType{src: "int16", typ: reflect.TypeFor[int16]()}
	goInt32   = goType{src: "int32", typ: reflect.TypeFor[int32]()}
	goInt64   = goType{src: "int64", typ: reflect.TypeFor[int64]()}
	goUint8   = goType{src: "uint8", typ: reflect.TypeFor[uint8]()}
	goUint16  = goType{src: "uint16", typ: reflect.TypeFor[uint16]()}
	goUint32  = goType{src: "uint32", typ: reflect.TypeFor[uint32]()}
	goUint64  = goType{src: "uint64", typ: reflect.TypeFor[uint64]()}
	goFloat32 = goType{src: "float32", typ: reflect.TypeFor[float32]()}
	goFloat64 = goType{src: "float64", typ: reflect.TypeFor[float64]()}
	goString  = goType{src: "string", typ: reflect.TypeFor[string]()}
	goBytes   = goType{src: "[]byte", typ: reflect.TypeFor[[]byte](), nilable: true}
	goTime    = goType{src: "time.Time", typ: reflect.TypeFor[time.Time](), pkg: "time"}
	goJSON    = goType{src: "json.RawMessage", typ: reflect.TypeFor[json.RawMessage](), pkg: "encoding/json", nilable: true}
)

// sliceOf is the slice type of t, for a PostgreSQL array.
func sliceOf(t goType) goType {
	return goType{src: "[]" + t.src, typ: reflect.SliceOf(t.typ), pkg: t.pkg, nilable: true}
}

// fieldType is the field's Go type in source.
func (f *fieldSpec) fieldType() string {
	switch {
	case f.ref != nil:
		return "*" + f.ref.typeName
	case f.ptr:
		return "*" + f.typ.src
	}
	return f.typ.src
}

// bunTag is the value of the field's bun tag.
func (f *fieldSpec) bunTag() string {
	opts := f.bun
	if f.column != "" {
		opts = append([]string{columnOption(f.column)}, f.bun...)
	}
	return strings.Join(opts, ",")
}

// structTag is the field's whole struct tag.
func (f *fieldSpec) structTag() string {
	tag := "bun:" + strconv.Quote(f.bunTag())
	if len(f.slipway) > 0 {
		tag += " slipway:" + strconv.Quote(strings.Join(f.slipway, ","))
	}
	if f.json != "" {
		tag += " json:" + strconv.Quote(f.json)
	}
	return tag
}

// bunFieldOptions are the options bun reads in a field's tag; a column of
// such a name is written as column:NAME, which bun does not mistake for
// the option.
var bunFieldOptions = []string{
	"column", "alt", "type", "array", "hstore", "composite", "multirange", "json_use_number", "msgpack",
	"notnull", "nullzero", "default", "unique", "soft_delete", "scanonly", "skipupdate", "pk",
	"autoincrement", "rel", "join", "join_on", "on_update", "on_delete", "m2m", "polymorphic", "identity",
}

// columnOption is how a bun tag names a column: first, as its name, unless
// bun would read the name as something else.
func columnOption(name string) string {
	if strings.ContainsAny(name, `,:"`) || slices.Contains(bunFieldOptions, name) || tagValue(name) != name {
		return "column:" + tagValue(name)
	}
	return name
}

// tagValue writes an option value so that bun's tag parser reads it back
// as it is: as written when the parser would (a value ends at a comma
// outside parentheses, and parentheses must balance), else double-quoted.
// bun reads a quoted value as it is unless a backslash precedes its first
// double quote; then it unescapes it: a value holding a double quote or
// ending with a backslash is escaped, others are not.
func tagValue(v string) string {
	depth := 0
	plain := v != "" && !strings.ContainsAny(v, `"\`) && v == strings.TrimSpace(v)
	for i := 0; i < len(v) && plain; i++ {
		switch v[i] {
		case ',':
			plain = depth > 0
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		}
	}
	switch {
	case plain && depth == 0:
		return v
	case strings.Contains(v, `"`) || strings.HasSuffix(v, `\`):
		return `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
	default:
		return `"` + v + `"`
	}
}

// sourceTag is a struct tag as a Go literal: raw when it can be.
func sourceTag(tag string) string {
	if !strings.Contains(tag, "`") && utf8.ValidString(tag) && !strings.ContainsFunc(tag, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }) {
		return "`" + tag + "`"
	}
	return strconv.Quote(tag)
}

// ---- field order ----

// orderColumns orders cols so that the columns of every chain come in the
// chain's order, moving as little as it can: columns keep their order, and
// a column a chain puts before an earlier one moves up to just before it.
// It reports false when the chains contradict each other.
func orderColumns(cols []string, chains [][]string) ([]string, bool) {
	before := map[string][]string{} // before[c]: columns that must precede c
	for _, chain := range chains {
		for i := 1; i < len(chain); i++ {
			if slices.Contains(cols, chain[i-1]) && slices.Contains(cols, chain[i]) && !slices.Contains(before[chain[i]], chain[i-1]) {
				before[chain[i]] = append(before[chain[i]], chain[i-1])
			}
		}
	}
	const (
		visiting = 1
		placed   = 2
	)
	state := map[string]int{}
	out := make([]string, 0, len(cols))
	var place func(c string) bool
	place = func(c string) bool {
		switch state[c] {
		case placed:
			return true
		case visiting:
			return false // a cycle
		}
		state[c] = visiting
		for _, p := range before[c] {
			if !place(p) {
				return false
			}
		}
		state[c] = placed
		out = append(out, c)
		return true
	}
	for _, c := range cols {
		if !place(c) {
			return cols, false
		}
	}
	return out, true
}

// inOrder reports whether cols appear in order among the columns.
func inOrder(columns, cols []string) bool {
	last := -1
	for _, c := range cols {
		i := slices.Index(columns, c)
		if i <= last {
			return false
		}
		last = i
	}
	return true
}

// orderFields puts the column fields in the given column order; relations
// stay after them.
func (m *modelSpec) orderFields(order []string) {
	slices.SortStableFunc(m.fields, func(a, b *fieldSpec) int {
		ia, ib := slices.Index(order, a.column), slices.Index(order, b.column)
		if a.column == "" {
			ia = len(order)
		}
		if b.column == "" {
			ib = len(order)
		}
		return ia - ib
	})
}

// columns lists the model's columns in field order.
func (m *modelSpec) columns() []string {
	var out []string
	for _, f := range m.fields {
		if f.column != "" && !f.omit {
			out = append(out, f.column)
		}
	}
	return out
}

// ---- struct types ----

var baseModelType = reflect.TypeFor[bun.BaseModel]()

// structType builds the model's struct type with reflect. A relation
// points to a stub type of the model it references: its table, primary key
// and the referenced columns only, which is all a foreign key needs (and
// keeps cycles and self-references out of reflect).
func (m *modelSpec) structType(stubs map[*modelSpec]reflect.Type) reflect.Type {
	fields := []reflect.StructField{{Name: "BaseModel", Type: baseModelType, Anonymous: true,
		Tag: reflect.StructTag(`bun:` + strconv.Quote("table:"+tagValue(m.table)))}}
	for _, f := range m.fields {
		if f.omit {
			continue
		}
		typ := f.typ.typ
		switch {
		case f.ref != nil:
			typ = reflect.PointerTo(f.ref.stub(stubs))
		case f.ptr:
			typ = reflect.PointerTo(typ)
		}
		fields = append(fields, reflect.StructField{Name: f.name, Type: typ, Tag: reflect.StructTag(f.structTag())})
	}
	return reflect.StructOf(fields)
}

// stub is the model's stub type for relations pointing to it.
func (m *modelSpec) stub(stubs map[*modelSpec]reflect.Type) reflect.Type {
	if st, ok := stubs[m]; ok {
		return st
	}
	fields := []reflect.StructField{{Name: "BaseModel", Type: baseModelType, Anonymous: true,
		Tag: reflect.StructTag(`bun:` + strconv.Quote("table:"+tagValue(m.table)))}}
	for _, f := range m.fields {
		if f.column == "" || f.omit {
			continue
		}
		opts := []string{columnOption(f.column)}
		if slices.Contains(m.pk, f.column) {
			opts = append(opts, "pk")
		}
		fields = append(fields, reflect.StructField{Name: f.name, Type: f.typ.typ, Tag: reflect.StructTag(`bun:` + strconv.Quote(strings.Join(opts, ",")))})
	}
	st := reflect.StructOf(fields)
	stubs[m] = st
	return st
}

// relationTag is the bun tag of a belongs-to relation for a foreign key.
func relationTag(fk *ForeignKey) []string {
	opts := []string{"rel:belongs-to"}
	for i, c := range fk.Columns {
		opts = append(opts, "join:"+c+"="+fk.RefColumns[i])
	}
	for _, a := range []struct{ opt, rule string }{{"on_delete", fk.OnDelete}, {"on_update", fk.OnUpdate}} {
		if r := normalizeAction(a.rule); r != "NO ACTION" {
			opts = append(opts, a.opt+":"+strings.ToLower(r))
		}
	}
	return opts
}

// joinable reports whether bun's join option can name the column: bun
// splits it at "," and "=", and trims spaces.
func joinable(col string) bool {
	return col != "" && !strings.ContainsAny(col, `,="()\`) && col == strings.TrimSpace(col)
}

// field returns the field of column name, or nil.
func (m *modelSpec) field(name string) *fieldSpec {
	for _, f := range m.fields {
		if f.column == name {
			return f
		}
	}
	return nil
}

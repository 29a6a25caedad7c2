package repository

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	bunschema "github.com/uptrace/bun/schema"

	"github.com/slipwaygo/slipway/internal/dburl"
	"github.com/slipwaygo/slipway/schema"
)

// Property describes one stored field of a model as a client sees it: its
// JSON name, Go type and what the database accepts for it. The rest
// package validates request bodies and writes the OpenAPI document from
// these.
type Property struct {
	Name   string       // JSON name; "" when the field is left out of JSON (json:"-")
	Field  string       // Go field name
	Column string       // column name
	Type   reflect.Type // Go type of the field
	// PrimaryKey is true for (part of) the primary key.
	PrimaryKey bool
	// Generated is true when the database generates the value: an
	// auto-increment or identity column. Clients do not send it.
	Generated bool
	// Nullable is true when the property accepts null: a pointer (or
	// slice, map) whose column is not NOT NULL.
	Nullable bool
	// Required is true when a new row must have the property: its column
	// is NOT NULL, has no default and is not generated, and the Go zero
	// value would not do — it is text (which must not be empty), a pointer
	// or nullzero.
	Required bool
	// MaxLength is the most characters a text property holds: from the
	// model's declared type (type:varchar(40)), else the live column once
	// Properties has read it, else the dialect's default for a bare string
	// (255 on MySQL). 0 means no known limit.
	MaxLength int
}

// declaredLength matches the length of character types: varchar(40),
// character varying(40), char(2), nvarchar(10).
var declaredLength = regexp.MustCompile(`(?i)^\s*n?(?:var)?char(?:acter)?(?:\s+varying)?\s*\(\s*(\d+)\s*\)`)

// typeLength returns the declared length of a character type, 0 if none.
func typeLength(sqlType string) int {
	m := declaredLength.FindStringSubmatch(sqlType)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// canBeNil reports whether a Go type has a nil value.
func canBeNil(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	}
	return false
}

// property describes field f from the model alone.
func (m *model) property(f *bunschema.Field) Property {
	p := Property{
		Name:       jsonName(f.StructField),
		Field:      f.GoName,
		Column:     f.Name,
		Type:       f.StructField.Type,
		PrimaryKey: f.IsPK,
		Generated:  f.AutoIncrement || f.Identity,
	}
	p.Nullable = canBeNil(p.Type) && !f.NotNull
	p.Required = f.NotNull && f.SQLDefault == "" && !p.Generated &&
		(isText(f) || canBeNil(p.Type) || f.NullZero)
	if isText(f) {
		if _, declared := f.Tag.Option("type"); declared {
			p.MaxLength = typeLength(f.UserSQLType)
		} else if strings.EqualFold(f.DiscoveredSQLType, "varchar") {
			p.MaxLength = m.table.Dialect().DefaultVarcharLen()
		}
	}
	return p
}

// liveSizes holds the lengths of a model's text columns as the database
// reports them, read once, and the properties they give.
type liveSizes struct {
	mu    sync.Mutex
	read  bool
	props []Property // what writes check; replaced, never changed in place
}

// Properties describes the model's stored fields, in field order. Where the
// model declares no length for a text field, the first call reads the
// table's columns from the database (schema.DiscoverTable) and uses their
// sizes; once read, writes check them too. If the table cannot be read (it
// does not exist yet, the database is down), Properties returns what the
// model says with the error, and reads again next time.
func (r *Repository[T]) Properties(ctx context.Context) ([]Property, error) {
	err := r.readSizes(ctx)
	return slices.Clone(r.properties()), err
}

// properties returns the properties writes check; callers must not change
// the slice.
func (r *Repository[T]) properties() []Property {
	r.sizes.mu.Lock()
	defer r.sizes.mu.Unlock()
	if r.sizes.props == nil {
		r.sizes.props = r.m.properties(nil)
	}
	return r.sizes.props
}

// properties describes the model's fields, with the live lengths of text
// columns whose type the model does not declare.
func (m *model) properties(live map[string]int) []Property {
	props := make([]Property, 0, len(m.table.Fields))
	for _, f := range m.table.Fields {
		p := m.property(f)
		if _, declared := f.Tag.Option("type"); !declared && isText(f) {
			if n, ok := live[f.Name]; ok {
				p.MaxLength = n
			}
		}
		props = append(props, p)
	}
	return props
}

func (r *Repository[T]) readSizes(ctx context.Context) error {
	r.sizes.mu.Lock()
	defer r.sizes.mu.Unlock()
	if r.sizes.read {
		return nil
	}
	if err := r.ds.ready(ctx); err != nil {
		return err
	}
	t, err := schema.DiscoverTable(ctx, r.ds.DB(), r.m.table.Name)
	if err != nil {
		return fmt.Errorf("repository: %q: read column sizes: %w", r.m.name, err)
	}
	live := map[string]int{}
	for _, c := range t.Columns {
		if n := typeLength(c.Type.String()); n > 0 {
			live[c.Name] = n
		}
	}
	r.sizes.props, r.sizes.read = r.m.properties(live), true
	return nil
}

// checkText refuses text the database would refuse or mangle: a NUL
// character (PostgreSQL cannot store one, MySQL and SQLite mishandle it)
// and more characters than the column holds (MySQL refuses, SQLite and a
// bare PostgreSQL varchar would store it). op names the operation.
func (r *Repository[T]) checkText(props []Property, f *bunschema.Field, v reflect.Value, op string) error {
	v = indirect(v)
	if !v.IsValid() || v.Kind() != reflect.String {
		return nil
	}
	s := v.String()
	if strings.ContainsRune(s, 0) {
		return &FieldError{Model: r.m.name, Field: jsonOrGo(f), In: op, Reason: "the value contains a NUL character, which no supported database stores in text"}
	}
	for _, p := range props {
		if p.Column == f.Name && p.MaxLength > 0 {
			if n := utf8.RuneCountInString(s); n > p.MaxLength {
				return &FieldError{Model: r.m.name, Field: jsonOrGo(f), In: op, Reason: fmt.Sprintf("the value has %d characters; the column holds at most %d", n, p.MaxLength)}
			}
		}
	}
	return nil
}

// checkRow checks every text field of a row before it is written.
func (r *Repository[T]) checkRow(props []Property, v *T, op string) error {
	row := reflect.ValueOf(v).Elem()
	for _, f := range r.m.table.Fields {
		if isText(f) {
			if err := r.checkText(props, f, f.Value(row), op); err != nil {
				return err
			}
		}
	}
	return nil
}

// Constraint names the rule a database refused a statement by.
type Constraint string

// The constraints a ConstraintError names.
const (
	UniqueConstraint     Constraint = "unique"      // a duplicate value in a unique column or key
	ForeignKeyConstraint Constraint = "foreign key" // a reference to a missing row, or a delete of a row still referenced
	NotNullConstraint    Constraint = "not null"    // no value for a NOT NULL column
	CheckConstraint      Constraint = "check"       // a CHECK constraint failed
	LengthConstraint     Constraint = "length"      // text longer than its column
	TypeConstraint       Constraint = "type"        // a value the column's type cannot hold (or a bad regular expression)
)

// ConstraintError is a statement the database refused because of the
// values in it, as opposed to a fault of the connection or the server. Its
// callers' clients can fix it: the rest package answers 409 for a unique
// violation and 422 for the others on writes, 400 on reads.
type ConstraintError struct {
	Model      string     // Go type name of the model
	Op         string     // "create", "update", "replace", "delete", "find", "count"
	Constraint Constraint // which rule
	Err        error      // the driver's error
}

func (e *ConstraintError) Error() string {
	return fmt.Sprintf("repository: %s %q: the database refused the values (%s): %v", e.Op, e.Model, e.Constraint, e.Err)
}

func (e *ConstraintError) Unwrap() error { return e.Err }

// fail describes a database error of op on the model: a refusal of the
// values becomes a *ConstraintError.
func (m *model) fail(op string, err error) error {
	if c := constraintOf(dburl.Classify(err)); c != "" {
		return &ConstraintError{Model: m.name, Op: op, Constraint: c, Err: err}
	}
	return fmt.Errorf("repository: %s %q: %w", op, m.name, err)
}

func constraintOf(r dburl.Refusal) Constraint {
	switch r {
	case dburl.Unique:
		return UniqueConstraint
	case dburl.ForeignKey:
		return ForeignKeyConstraint
	case dburl.NotNull:
		return NotNullConstraint
	case dburl.Check:
		return CheckConstraint
	case dburl.TooLong:
		return LengthConstraint
	case dburl.BadValue:
		return TypeConstraint
	}
	return ""
}

// ModelInfo describes a model for the REST layer: its stored properties
// and its relations.
type ModelInfo struct {
	Name       string       // Go type name
	Type       reflect.Type // the struct type
	Properties []Property   // in field order
	Relations  []Relation   // sorted by name
}

// RelationKind is the kind of a relation, named as in LoopBack.
type RelationKind string

// The relation kinds.
const (
	BelongsToKind      RelationKind = "belongsTo"
	HasOneKind         RelationKind = "hasOne"
	HasManyKind        RelationKind = "hasMany"
	HasManyThroughKind RelationKind = "hasManyThrough"
)

// Relation describes one relation of a model.
type Relation struct {
	Name   string       // JSON name of the relation field
	Kind   RelationKind // belongsTo, hasOne, hasMany or hasManyThrough
	Target reflect.Type // the related model's struct type
	// Key is the JSON name of the property holding the foreign key: on
	// the model for belongsTo, on the target for hasOne and hasMany; ""
	// for hasManyThrough.
	Key string
}

// Describe describes the model with the live column sizes (see
// Properties), and returns the error of reading them, if any, beside a
// description from the model alone.
func (r *Repository[T]) Describe(ctx context.Context) (*ModelInfo, error) {
	err := r.readSizes(ctx)
	return r.m.info(r.properties()), err
}

// Describe describes a model — a typed nil pointer such as (*Todo)(nil) —
// as it declares itself, without reading the database. It fails for a
// model bun rejects.
func (s *SQL) Describe(model any) (*ModelInfo, error) {
	if err := s.registerThrough(goType(model)); err != nil {
		return nil, err
	}
	m, err := newModel(s.db, goType(model))
	if err != nil {
		return nil, err
	}
	return m.info(m.properties(nil)), nil
}

func (m *model) info(props []Property) *ModelInfo {
	info := &ModelInfo{Name: m.name, Type: m.typ, Properties: props}
	for _, name := range sortedRelations(m) {
		rel := m.rels[name]
		r := Relation{Name: name, Target: rel.JoinTable.Type}
		switch rel.Type {
		case bunschema.BelongsToRelation:
			r.Kind = BelongsToKind
		case bunschema.HasOneRelation:
			r.Kind = HasOneKind
		case bunschema.HasManyRelation:
			r.Kind = HasManyKind
		case bunschema.ManyToManyRelation:
			r.Kind = HasManyThroughKind
		}
		if len(rel.BasePKs) == 1 && len(rel.JoinPKs) == 1 {
			switch r.Kind {
			case BelongsToKind:
				r.Key = jsonOrGo(rel.BasePKs[0])
			case HasOneKind, HasManyKind:
				r.Key = jsonOrGo(rel.JoinPKs[0])
			}
		}
		info.Relations = append(info.Relations, r)
	}
	return info
}

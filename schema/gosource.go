package schema

import (
	"fmt"
	"go/format"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Writing discovered tables as Go source: one bun model per table and
// view, with the tags that make a Migrator of those models find the
// database actual.

// ModelSource is Go source declaring one bun model per discovered table and
// view (see Discovery.ModelSource).
type ModelSource struct {
	// Code is the gofmt-ed source of one Go file.
	Code []byte
	// Unsupported says, one line each, what the models cannot declare: a
	// column without a type bun can map, an index or a foreign key struct
	// tags and Indexer cannot express. The source says the same in a
	// comment where it leaves the thing out.
	Unsupported []string
}

// ModelSource writes the discovered tables and views as Go source of
// package pkg ("models" when empty): one bun model per table and view, in
// Discovery order, with
//
//   - a field per column, its Go type following the column's type (a
//     pointer when the column is nullable) and its bun tag saying what the
//     column is: name, type (when bun's default for the Go type is another),
//     pk, autoincrement or identity, notnull, default, unique and unique
//     groups; a json tag in camelCase;
//   - slipway index tags for indexes, and an Indexes method (Indexer) for
//     expression and partial indexes and for composite indexes whose
//     columns are not in field order;
//   - a belongs-to relation per foreign key, with on_delete and on_update;
//
// and `var Models = []any{...}` listing the tables' models, for
// NewMigrator; views are listed apart in `var Views`, since a migrator
// would want to create them as tables. A Migrator of Models finds the
// database it came from actual: its plan is empty.
//
// What a model cannot declare is left out with a comment in the source and
// a line in Unsupported: a column of a type bun cannot map (SQLite's
// columns without a declared type), an index MySQL keeps that a model
// cannot declare (prefix, full-text, functional), a foreign key to a table
// without a primary key. A generated column is declared as a plain column,
// with a comment: bun cannot say that the database computes it.
func (disc *Discovery) ModelSource(pkg string) (*ModelSource, error) {
	if pkg == "" {
		pkg = "models"
	}
	if !token.IsIdentifier(pkg) {
		return nil, fmt.Errorf("schema: model source: package name %q is not a Go identifier", pkg)
	}
	g := &gen{disc: disc, typeDefaults: map[string]string{}}
	models := g.specs()
	code, err := format.Source(g.render(pkg, models))
	if err != nil {
		return nil, fmt.Errorf("schema: model source: %w", err)
	}
	return &ModelSource{Code: code, Unsupported: g.unsupported}, nil
}

// gen writes one discovery's models.
type gen struct {
	disc         *Discovery
	unsupported  []string
	typeDefaults map[string]string // Go type and options -> bun's SQL type for it on this database
}

func (g *gen) note(t *Table, format string, args ...any) string {
	what := "table"
	if slices.Contains(g.disc.Views, t) {
		what = "view"
	}
	msg := fmt.Sprintf(format, args...)
	g.unsupported = append(g.unsupported, fmt.Sprintf("%s %q: %s", what, t.qualifiedName(), msg))
	return msg
}

// specs describes a model per table and view: names first, then columns,
// then keys and relations (which need the columns of the models they point
// to).
func (g *gen) specs() []*modelSpec {
	typeNames := names{"Models": true, "Views": true}
	byTable := map[*Table]*modelSpec{}
	var (
		models []*modelSpec
		scopes []*modelScope
	)
	all := slices.Concat(g.disc.Tables, g.disc.Views)
	for _, t := range all {
		m := &modelSpec{table: t.Name, view: slices.Contains(g.disc.Views, t)}
		if t.Schema != "" {
			m.table = t.Schema + "." + t.Name
		}
		m.typeName = typeNames.take(typeNameFor(t.Name), typeNameFor(t.Schema+"_"+t.Name))
		if t.PrimaryKey != nil {
			m.pk = t.PrimaryKey.Columns
		}
		byTable[t] = m
		models = append(models, m)
	}
	for _, t := range all {
		scopes = append(scopes, g.describeColumns(t, byTable[t]))
	}
	for i, t := range all {
		sc := scopes[i]
		g.keys(t, sc.m, sc.byColumn)
		for _, fk := range t.ForeignKeys {
			g.relation(t, fk, sc, byTable)
		}
		if len(sc.m.indexes) > 0 && sc.fieldNames["Indexes"] {
			// A field may not share the name of the Indexes method.
			for _, f := range sc.m.fields {
				if f.name == "Indexes" {
					f.name = sc.fieldNames.take("IndexesField")
				}
			}
		}
	}
	return models
}

// modelScope is a model being described, with the names it has handed out.
type modelScope struct {
	m                     *modelSpec
	byColumn              map[string]*fieldSpec
	fieldNames, jsonNames names
}

// describeColumns fills in the doc comment and the column fields of the
// model of t.
func (g *gen) describeColumns(t *Table, m *modelSpec) *modelScope {
	kind := "table"
	if m.view {
		kind = "view"
	}
	m.doc = fmt.Sprintf("%s is %s %q.", m.typeName, kind, t.qualifiedName())
	if m.view {
		m.doc += " Read it with bun; it is not in Models, since a migrator would create it as a table."
	}
	if strings.Contains(t.Name, ".") {
		m.doc += " " + g.note(t, "the name has a dot, which bun reads as schema.table: rename the table or give the model its table name by hand")
	}
	sc := &modelScope{m: m, byColumn: map[string]*fieldSpec{}, fieldNames: names{"BaseModel": true}, jsonNames: names{}}
	var all []string
	for _, c := range t.Columns {
		f := g.column(t, c)
		f.name = sc.fieldNames.take(exportedName(c.Name))
		f.json = sc.jsonNames.take(jsonName(c.Name), strings.ToLower(f.name))
		sc.byColumn[c.Name] = f
		m.fields = append(m.fields, f)
		all = append(all, c.Name)
	}
	if t.PrimaryKey != nil {
		if order, ok := orderColumns(all, [][]string{t.PrimaryKey.Columns}); ok {
			m.orderFields(order)
		}
	}
	return sc
}

// column describes the field of one column.
func (g *gen) column(t *Table, c *Column) *fieldSpec {
	f := &fieldSpec{column: c.Name}
	typ, why := goTypeOf(g.disc.d, c.Type)
	if why != "" {
		f.omit = true
		f.comment = why
		g.note(t, "column %q: %s", c.Name, why)
		return f
	}
	f.typ = typ
	f.ptr = c.Nullable && !typ.nilable
	var flags []string
	switch {
	case c.AutoIncrement && c.identity:
		flags = append(flags, "identity")
	case c.AutoIncrement:
		flags = append(flags, "autoincrement")
	}
	if c.Type.Array {
		flags = append(flags, "array")
	}
	if g.sqlType(typ, flags) != c.Type.String() {
		f.bun = append(f.bun, "type:"+tagValue(c.Type.String()))
	}
	if c.PrimaryKey {
		f.bun = append(f.bun, "pk")
	}
	f.bun = append(f.bun, flags...)
	if !c.Nullable && !c.PrimaryKey && !(c.AutoIncrement && !c.identity) {
		f.bun = append(f.bun, "notnull")
	}
	if c.Default != "" {
		f.bun = append(f.bun, "default:"+tagValue(g.defaultOf(c, typ)))
	}
	if c.generated != "" {
		f.comment = g.note(t, "column %q is generated (%s): bun cannot declare that; the model declares a plain column, which leaves it as it is, and inserts must leave it out",
			c.Name, c.generated)
	}
	return f
}

// defaultOf is the default to write in the tag of a field of Go type typ:
// the first spelling that reads back as the catalog's default, of true or
// false for a bool, the canonical spelling, and the catalog's own.
func (g *gen) defaultOf(c *Column, typ goType) string {
	candidates := []string{c.Default, c.defaultSQL()}
	if typ == goBool {
		candidates = append([]string{"true", "false"}, candidates...)
	}
	for _, s := range candidates {
		if g.disc.d.normalizeDefault(s, c.Type) == c.Default {
			return s
		}
	}
	return c.defaultSQL()
}

// sqlType is the canonical type bun gives a field of Go type t with the
// given options on this database ("" when it gives none), found by asking
// bun about a struct holding such a field.
func (g *gen) sqlType(t goType, opts []string) string {
	key := t.src + "," + strings.Join(opts, ",")
	if s, ok := g.typeDefaults[key]; ok {
		return s
	}
	g.typeDefaults[key] = ""
	st := reflect.StructOf([]reflect.StructField{
		{Name: "BaseModel", Type: baseModelType, Anonymous: true, Tag: `bun:"table:slipway_type_probe"`},
		{Name: "F", Type: t.typ, Tag: reflect.StructTag(`bun:` + strconv.Quote(strings.Join(append([]string{"f"}, opts...), ",")))},
	})
	func() {
		defer func() { _ = recover() }() // a type bun rejects has no default
		f := g.disc.db.Table(st).FieldMap["f"]
		if f == nil {
			return
		}
		raw := bunColumnType(f, g.disc.db.Dialect().DefaultVarcharLen())
		if typ, err := g.disc.d.parseType(raw); err == nil && strings.TrimSpace(raw) != "" {
			g.typeDefaults[key] = typ.String()
		}
	}()
	return g.typeDefaults[key]
}

// keys writes the primary key, unique constraints and indexes into tags
// and Indexes.
func (g *gen) keys(t *Table, m *modelSpec, byColumn map[string]*fieldSpec) {
	declared := func(cols []string) bool {
		for _, c := range cols {
			if f := byColumn[c]; f == nil || f.omit {
				return false
			}
		}
		return len(cols) > 0
	}
	for _, ix := range t.Indexes {
		switch {
		case ix.implicit:
			// MySQL's own index for a foreign key: the server makes it.
		case ix.isExpr() && g.disc.d.name() == "MySQL":
			g.leaveOut(t, m, "%s %q (%s) is not one a model can declare on MySQL; the migrator keeps it as it is", objectWord(kindForIndex(ix, false)), ix.Name, describeIndex(ix))
		case ix.isExpr():
			m.indexes = append(m.indexes, Index{Name: ix.Name, Columns: ix.Columns, Unique: ix.Unique, Expr: ix.Expr, Where: ix.Where})
		case !declared(ix.Columns):
			g.leaveOut(t, m, "%s %q is on a column the model leaves out; the migrator keeps it as it is", objectWord(kindForIndex(ix, false)), ix.Name)
		case ix.Constraint && len(ix.Columns) == 1:
			byColumn[ix.Columns[0]].bun = append(byColumn[ix.Columns[0]].bun, "unique")
		case ix.Constraint:
			for _, c := range ix.Columns {
				byColumn[c].bun = append(byColumn[c].bun, "unique:"+tagValue(ix.Name))
			}
		case len(ix.Columns) > 1 && !inOrder(m.columns(), ix.Columns):
			m.indexes = append(m.indexes, Index{Name: ix.Name, Columns: ix.Columns, Unique: ix.Unique})
		default:
			opt := "index"
			suffix := "idx"
			if ix.Unique {
				opt, suffix = "unique_index", "key"
			}
			if len(ix.Columns) > 1 || ix.Name != constraintName(t.Name, ix.Columns, suffix) {
				opt += ":" + tagValue(ix.Name)
			}
			for _, c := range ix.Columns {
				byColumn[c].slipway = append(byColumn[c].slipway, opt)
			}
		}
	}
}

// leaveOut notes something the model does not declare, in the model's doc
// comment and in Unsupported.
func (g *gen) leaveOut(t *Table, m *modelSpec, format string, args ...any) {
	m.doc += " Not declared: " + g.note(t, format, args...) + "."
}

// relation adds the belongs-to relation of a foreign key.
func (g *gen) relation(t *Table, fk *ForeignKey, sc *modelScope, byTable map[*Table]*modelSpec) {
	m, byColumn := sc.m, sc.byColumn
	var ref *modelSpec
	for rt, rm := range byTable {
		if !rm.view && rt.Name == fk.RefTable && (rt.Schema == fk.RefSchema) {
			ref = rm
		}
	}
	left := func(cols []string, fields func(string) *fieldSpec) bool {
		return slices.ContainsFunc(cols, func(c string) bool { f := fields(c); return f == nil || f.omit })
	}
	why := ""
	switch {
	case ref == nil:
		why = fmt.Sprintf("it references table %q, which has no model here", qualify(fk.RefSchema, fk.RefTable))
	case len(ref.pk) == 0:
		why = fmt.Sprintf("it references table %q, which has no primary key, and bun's relations need one", qualify(fk.RefSchema, fk.RefTable))
	case left(fk.Columns, func(c string) *fieldSpec { return byColumn[c] }), left(fk.RefColumns, ref.field):
		why = "a column of it is left out"
	case slices.ContainsFunc(slices.Concat(fk.Columns, fk.RefColumns), func(c string) bool { return !joinable(c) }):
		why = "a column name has a character bun's join option cannot hold"
	}
	for _, c := range fk.Columns {
		if col := t.Column(c); col != nil && !col.Nullable && (fk.OnDelete == "SET NULL" || fk.OnUpdate == "SET NULL") {
			why = fmt.Sprintf("it sets NOT NULL column %q to NULL, which a model cannot declare", c)
		}
	}
	if why != "" {
		g.leaveOut(t, m, "foreign key %q (%s): %s; the migrator keeps it as it is", fk.Name, describeFK(fk), why)
		return
	}
	comment := ""
	if slices.ContainsFunc(fk.Columns, func(c string) bool { return slices.Contains(m.pk, c) }) {
		// bun (and so Slipway) makes no foreign key for a relation over
		// primary key columns: the relation serves queries only.
		comment = g.note(t, "foreign key %q (%s) is over primary key columns, for which bun's relations declare no foreign key; the model's relation serves queries only, and the migrator keeps the foreign key as it is (it would not create it)",
			fk.Name, describeFK(fk))
	}
	base := ref.typeName
	if len(fk.Columns) == 1 {
		if n := strings.TrimSuffix(exportedName(fk.Columns[0]), "ID"); n != "" {
			base = n
		}
	}
	f := &fieldSpec{ref: ref, bun: relationTag(fk), comment: comment}
	f.name = sc.fieldNames.take(base, base+"Rel", ref.typeName+"Rel")
	f.json = sc.jsonNames.take(jsonName(f.name)) + ",omitempty"
	m.fields = append(m.fields, f)
}

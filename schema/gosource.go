package schema

import (
	"bytes"
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

// render writes the source of the models.
func (g *gen) render(pkg string, models []*modelSpec) []byte {
	var (
		b       bytes.Buffer
		imports = map[string]bool{"github.com/uptrace/bun": true}
		tables  []string
		views   []string
	)
	for _, m := range models {
		for _, f := range m.fields {
			if f.typ.pkg != "" && !f.omit {
				imports[f.typ.pkg] = true
			}
		}
		if len(m.indexes) > 0 {
			imports["github.com/slipwaygo/slipway/schema"] = true
		}
	}
	what := fmt.Sprintf("%d %s", len(g.disc.Tables), plural(len(g.disc.Tables), "table", "tables"))
	if len(g.disc.Views) > 0 {
		what += fmt.Sprintf(" and %d %s", len(g.disc.Views), plural(len(g.disc.Views), "view", "views"))
	}
	fmt.Fprintf(&b, "// Models of %s of a %s database, written by slipway discover.\n", what, g.disc.Dialect)
	b.WriteString("// A schema.Migrator of Models finds that database actual. Edit freely.\n\n")
	fmt.Fprintf(&b, "package %s\n\nimport (\n", pkg)
	var std, other []string
	for p := range imports {
		if strings.Contains(p, ".") {
			other = append(other, p)
		} else {
			std = append(std, p)
		}
	}
	slices.Sort(std)
	slices.Sort(other)
	for _, p := range std {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString("\n")
	for _, p := range other {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n")
	for _, m := range models {
		writeModel(&b, m)
		ref := "(*" + m.typeName + ")(nil)"
		if m.view {
			views = append(views, ref)
		} else {
			tables = append(tables, ref)
		}
	}
	b.WriteString("\n// Models lists the models of the tables, for schema.NewMigrator.\nvar Models = []any{\n")
	for _, r := range tables {
		fmt.Fprintf(&b, "\t%s,\n", r)
	}
	b.WriteString("}\n")
	if len(views) > 0 {
		b.WriteString("\n// Views lists the models of the views, to read with bun; a migrator must not get them.\nvar Views = []any{\n")
		for _, r := range views {
			fmt.Fprintf(&b, "\t%s,\n", r)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

func writeModel(b *bytes.Buffer, m *modelSpec) {
	b.WriteString("\n")
	writeComment(b, "", m.doc)
	fmt.Fprintf(b, "type %s struct {\n\tbun.BaseModel %s\n\n", m.typeName, sourceTag("bun:"+strconv.Quote("table:"+tagValue(m.table))))
	relations := false
	for _, f := range m.fields {
		if f.ref != nil && !relations {
			relations = true
			b.WriteString("\n")
		}
		if f.omit {
			writeComment(b, "\t", fmt.Sprintf("%s (column %q) is left out: %s.", f.name, f.column, f.comment))
			continue
		}
		if f.comment != "" {
			writeComment(b, "\t", f.comment)
		}
		fmt.Fprintf(b, "\t%s %s %s\n", f.name, f.fieldType(), sourceTag(f.structTag()))
	}
	b.WriteString("}\n")
	if len(m.indexes) == 0 {
		return
	}
	fmt.Fprintf(b, "\n// Indexes declares the indexes of table %q that struct tags cannot.\nfunc (*%s) Indexes() []schema.Index {\n\treturn []schema.Index{\n", m.table, m.typeName)
	for _, ix := range m.indexes {
		parts := []string{"Name: " + strconv.Quote(ix.Name)}
		if len(ix.Columns) > 0 {
			q := make([]string, len(ix.Columns))
			for i, c := range ix.Columns {
				q[i] = strconv.Quote(c)
			}
			parts = append(parts, "Columns: []string{"+strings.Join(q, ", ")+"}")
		}
		if ix.Expr != "" {
			parts = append(parts, "Expr: "+strconv.Quote(ix.Expr))
		}
		if ix.Where != "" {
			parts = append(parts, "Where: "+strconv.Quote(ix.Where))
		}
		if ix.Unique {
			parts = append(parts, "Unique: true")
		}
		fmt.Fprintf(b, "\t\t{%s},\n", strings.Join(parts, ", "))
	}
	b.WriteString("\t}\n}\n")
}

// writeComment writes text as // comment lines of at most about 80
// columns.
func writeComment(b *bytes.Buffer, indent, text string) {
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(indent)*4+len(line)+len(w) > 76 {
			fmt.Fprintf(b, "%s// %s\n", indent, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		fmt.Fprintf(b, "%s// %s\n", indent, line)
	}
}

// goTypeOf picks a field's Go type for a column type of dialect d, or says
// why there is none.
func goTypeOf(d dialect, t ColumnType) (goType, string) {
	if t.Array {
		elem := t
		elem.Array = false
		et, why := goTypeOf(d, elem)
		switch {
		case why != "":
			return goType{}, why
		case et.nilable || et.pkg != "":
			et = goString // an array of what bun cannot scan element by element: as text
		}
		return sliceOf(et), ""
	}
	switch d.name() {
	case "PostgreSQL":
		return pgGoType(t), ""
	case "MySQL":
		return myGoType(t), ""
	default:
		return sqliteGoType(t)
	}
}

func pgGoType(t ColumnType) goType {
	switch t.Name {
	case "boolean":
		return goBool
	case "smallint":
		return goInt16
	case "integer":
		return goInt32
	case "bigint":
		return goInt64
	case "real":
		return goFloat32
	case "double precision":
		return goFloat64
	case "timestamptz", "timestamp", "date":
		return goTime
	case "bytea":
		return goBytes
	case "json", "jsonb":
		return goJSON
	}
	return goString // text, numeric, uuid, enums, time, interval, inet, ...
}

func myGoType(t ColumnType) goType {
	ints := map[string][2]goType{
		"tinyint": {goInt8, goUint8}, "smallint": {goInt16, goUint16},
		"mediumint": {goInt32, goUint32}, "int": {goInt32, goUint32}, "bigint": {goInt64, goUint64},
	}
	switch {
	case t.Name == "tinyint" && len(t.Args) == 1 && t.Args[0] == "1":
		return goBool
	case ints[t.Name][0].src != "" && t.Unsigned:
		return ints[t.Name][1]
	case ints[t.Name][0].src != "":
		return ints[t.Name][0]
	case t.Name == "year":
		return goInt16
	case t.Name == "float":
		return goFloat32
	case t.Name == "double":
		return goFloat64
	case t.Name == "date" || t.Name == "datetime" || t.Name == "timestamp":
		return goTime
	case t.Name == "json":
		return goJSON
	case myBlobRank[t.Name] > 0, t.Name == "binary", t.Name == "varbinary", t.Name == "bit",
		t.Name == "geometry", t.Name == "point", t.Name == "linestring", t.Name == "polygon",
		t.Name == "multipoint", t.Name == "multilinestring", t.Name == "multipolygon", t.Name == "geometrycollection":
		return goBytes
	}
	return goString // char, varchar, text, decimal, enum, set, time, ...
}

func sqliteGoType(t ColumnType) (goType, string) {
	switch name := t.Name; {
	case name == "":
		return goType{}, "it has no declared type, and a model cannot declare a column without one (bun needs an SQL type)"
	case name == "boolean":
		return goBool, ""
	case name == "date", strings.Contains(name, "datetime"), strings.Contains(name, "timestamp"):
		return goTime, ""
	case name == "json":
		return goJSON, ""
	}
	switch sqliteAffinity(t.Name) {
	case "integer":
		return goInt64, ""
	case "text":
		return goString, ""
	case "blob":
		return goBytes, ""
	case "real":
		return goFloat64, ""
	}
	return goString, "" // numeric, decimal: exact as text
}

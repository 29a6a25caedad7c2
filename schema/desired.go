package schema

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	bunschema "github.com/uptrace/bun/schema"
)

// Indexer is implemented by models that declare indexes struct tags cannot
// express: expression indexes, partial indexes, or a column order that
// differs from the field order. Indexes is called on the zero value of the
// model, so it must not depend on field values.
//
//	func (*Todo) Indexes() []schema.Index {
//		return []schema.Index{
//			{Name: "todos_lower_title_idx", Expr: "lower(title)"},
//			{Columns: []string{"todo_list_id", "is_complete"}},
//		}
//	}
//
// An index without a Name gets "<table>_<columns>_idx" (or "_key" when
// unique). Expression and partial indexes need a Name: they are compared with
// the database by name only.
type Indexer interface {
	Indexes() []Index
}

// Checker is implemented by models that declare CHECK constraints:
//
//	func (*Product) Checks() []schema.Check {
//		return []schema.Check{{Name: "products_price_check", Expr: "price >= 0"}}
//	}
//
// A check is compared with the database by name (servers rewrite
// expressions): to change one, give it a new name. A single column's check
// can also be declared in the slipway tag: slipway:"check:'price >= 0'".
type Checker interface {
	Checks() []Check
}

// The struct tag Slipway reads beside bun's:
//
//	Email string `bun:",notnull" slipway:"unique_index"`               // single-column unique index
//	Title string `slipway:"index:todos_list_title_idx"`               // named; fields sharing a name form a composite index
//	List  *List  `bun:"rel:belongs-to,join:list_id=id" slipway:"nofk"` // no foreign key for this relation
const tagName = "slipway"

// model is one registered model and the table it asks for.
type model struct {
	typ   reflect.Type
	bun   *bunschema.Table
	table *Table
}

// buildModels turns bun models into desired tables, in registration order.
// bun panics on malformed models; the panic is returned as an error naming
// the model.
func buildModels(db *bun.DB, d dialect, values []any) ([]*model, error) {
	var (
		models []*model
		errs   []error
		seen   = map[tableKey]string{}
	)
	for _, v := range values {
		m, err := buildModel(db, d, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		key := tableKey{m.table.Schema, m.table.Name}
		if other, dup := seen[key]; dup {
			if other == m.table.Model {
				continue // the same model registered twice
			}
			errs = append(errs, fmt.Errorf("schema: models %q and %q both map to table %q: give one of them another table name (bun:\"table:...\")",
				other, m.table.Model, m.table.qualifiedName()))
			continue
		}
		seen[key] = m.table.Model
		models = append(models, m)
	}
	return models, errors.Join(errs...)
}

func buildModel(db *bun.DB, d dialect, v any) (m *model, err error) {
	typ := reflect.TypeOf(v)
	if typ == nil {
		return nil, errors.New("schema: nil model: pass a typed value such as (*Todo)(nil)")
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct {
		return nil, fmt.Errorf("schema: model %s is a %s, not a struct", typ, typ.Kind())
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("schema: model %q: bun rejects it: %v", typ.Name(), r)
		}
	}()
	bt := db.Table(typ)
	name := typ.Name()
	if name == "" {
		name = bt.Name // an unnamed struct type is known by its table
	}
	t, err := desiredTable(db, d, bt, name)
	if err != nil {
		return nil, err
	}
	return &model{typ: typ, bun: bt, table: t}, nil
}

func desiredTable(db *bun.DB, d dialect, bt *bunschema.Table, modelName string) (*Table, error) {
	schemaName, name := splitTableName(bt)
	t := &Table{Schema: schemaName, Name: name, Model: modelName}
	if len(bt.Fields) == 0 {
		return nil, fmt.Errorf("schema: model %q has no columns", t.Model)
	}
	if err := d.checkIdent(name); err != nil {
		return nil, fmt.Errorf("schema: model %q: table %q: %w", t.Model, name, err)
	}
	varcharLen := db.Dialect().DefaultVarcharLen()
	fieldOf := map[string]string{}
	for _, f := range bt.Fields {
		if other, dup := fieldOf[f.Name]; dup {
			return nil, fmt.Errorf("schema: model %q: fields %s and %s both map to column %q (name one of them otherwise, e.g. bun:\"other_name\", or leave one out with bun:\"-\")",
				t.Model, other, f.GoName, f.Name)
		}
		fieldOf[f.Name] = f.GoName
	}
	for _, f := range bt.Fields {
		if err := d.checkIdent(f.Name); err != nil {
			return nil, fmt.Errorf("schema: model %q: column %q: %w", t.Model, f.Name, err)
		}
		raw := bunColumnType(f, varcharLen)
		if strings.TrimSpace(raw) == "" {
			return nil, fmt.Errorf("schema: model %q: field %s (%s) has no SQL type (give it one with bun:\"type:...\", or leave it out with bun:\"-\")",
				t.Model, f.GoName, f.StructField.Type)
		}
		typ, err := d.parseType(raw)
		if err != nil {
			return nil, fmt.Errorf("schema: model %q: field %s: type %q: %w", t.Model, f.GoName, raw, err)
		}
		c := &Column{
			Name:          f.Name,
			Type:          typ,
			Nullable:      !f.NotNull,
			PrimaryKey:    f.IsPK,
			AutoIncrement: f.AutoIncrement || f.Identity,
			Field:         f.GoName,
			identity:      f.Identity,
		}
		if f.SQLDefault != "" {
			c.Default = d.normalizeDefault(f.SQLDefault, typ)
			c.rawDefault = f.SQLDefault
		}
		t.Columns = append(t.Columns, c)
	}
	if len(bt.PKs) > 0 {
		pk := &PrimaryKey{}
		for _, f := range bt.PKs {
			pk.Columns = append(pk.Columns, f.Name)
		}
		t.PrimaryKey = pk
	}
	if err := addUniques(t, bt); err != nil {
		return nil, err
	}
	if err := addRenames(t, bt); err != nil {
		return nil, err
	}
	if err := addTaggedColumns(t, bt, !d.features().has(noComments)); err != nil {
		return nil, err
	}
	if err := addDeclaredChecks(t, bt); err != nil {
		return nil, err
	}
	if err := addTaggedIndexes(t, bt); err != nil {
		return nil, err
	}
	if err := addDeclaredIndexes(t, bt); err != nil {
		return nil, err
	}
	if err := addForeignKeys(t, bt); err != nil {
		return nil, err
	}
	for _, fk := range t.ForeignKeys {
		if err := d.checkIdent(fk.Name); err != nil {
			return nil, fmt.Errorf("schema: model %q: foreign key %q: %w", t.Model, fk.Name, err)
		}
	}
	for _, c := range t.Checks {
		if err := d.checkIdent(c.Name); err != nil {
			return nil, fmt.Errorf("schema: model %q: CHECK constraint %q: %w", t.Model, c.Name, err)
		}
	}
	for _, ix := range t.Indexes {
		if err := d.checkIdent(ix.Name); err != nil {
			return nil, fmt.Errorf("schema: model %q: index %q: %w", t.Model, ix.Name, err)
		}
		if c, ok := d.(indexChecker); ok {
			if err := c.checkIndex(t, ix); err != nil {
				return nil, fmt.Errorf("schema: model %q: index %q: %w", t.Model, ix.Name, err)
			}
		}
	}
	if tc, ok := d.(tableChecker); ok {
		if err := tc.checkTable(t); err != nil {
			return nil, fmt.Errorf("schema: model %q: %w", t.Model, err)
		}
	}
	return t, nil
}

// splitTableName separates bun's "schema.table" spelling.
func splitTableName(bt *bunschema.Table) (schemaName, name string) {
	name = bt.Name
	if s, n, ok := strings.Cut(name, "."); ok {
		return s, n
	}
	return "", name
}

// bunColumnType is the type bun's CreateTable writes for a field, including
// its default VARCHAR length (bun's CreateTableQuery.appendSQLType).
func bunColumnType(f *bunschema.Field, varcharLen int) string {
	typ := f.CreateTableSQLType
	if !strings.EqualFold(typ, f.DiscoveredSQLType) || !strings.EqualFold(typ, "varchar") || varcharLen <= 0 {
		return typ
	}
	return fmt.Sprintf("varchar(%d)", varcharLen)
}

// addUniques adds bun's `unique` and `unique:group` constraints.
func addUniques(t *Table, bt *bunschema.Table) error {
	groups := make([]string, 0, len(bt.Unique))
	for g := range bt.Unique {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g := range groups {
		fields := bt.Unique[g]
		if g == "" {
			for _, f := range fields {
				t.addIndex(&Index{Columns: []string{f.Name}, Unique: true, Constraint: true})
			}
			continue
		}
		cols := make([]string, len(fields))
		for i, f := range fields {
			cols[i] = f.Name
		}
		t.addIndex(&Index{Columns: cols, Unique: true, Constraint: true})
	}
	return nil
}

// slipwayTag is the parsed `slipway:"..."` tag of one field.
type slipwayTag struct {
	indexes []tagIndex
	noFK    bool
	fkName  string   // the foreign key's name (fk:NAME on a relation)
	was     []string // earlier names: a rename
	comment *string  // the column's comment
	check   string   // a CHECK constraint on the column
}

type tagIndex struct {
	name   string
	unique bool
	method string // using:METHOD (PostgreSQL's gin, gist, hash, brin ...)
	desc   bool   // this field's key column sorts descending
}

func parseSlipwayTag(model string, f reflect.StructField) (slipwayTag, error) {
	var tag slipwayTag
	raw, ok := f.Tag.Lookup(tagName)
	if !ok {
		return tag, nil
	}
	for _, part := range splitTopLevel(raw, ',') {
		key, value, _ := strings.Cut(strings.TrimSpace(part), ":")
		if isQuoted(value) {
			value = unquote(value)
		}
		needs := func(what string) error {
			if value == "" {
				return fmt.Errorf("schema: model %q: field %s: slipway tag option %s needs %s (%s:...)", model, f.Name, key, what, key)
			}
			return nil
		}
		lastIndex := func() (*tagIndex, error) {
			if len(tag.indexes) == 0 {
				return nil, fmt.Errorf("schema: model %q: field %s: slipway tag option %s applies to an index: put it after index or unique_index", model, f.Name, key)
			}
			return &tag.indexes[len(tag.indexes)-1], nil
		}
		switch key {
		case "":
		case "index":
			tag.indexes = append(tag.indexes, tagIndex{name: value})
		case "unique_index":
			tag.indexes = append(tag.indexes, tagIndex{name: value, unique: true})
		case "using":
			ix, err := lastIndex()
			if err == nil {
				err = needs("the index method")
			}
			if err != nil {
				return tag, err
			}
			ix.method = strings.ToLower(value)
		case "desc":
			ix, err := lastIndex()
			if err != nil {
				return tag, err
			}
			ix.desc = true
		case "nofk":
			tag.noFK = true
		case "fk":
			if err := needs("the foreign key's name"); err != nil {
				return tag, err
			}
			tag.fkName = value
		case "was":
			if err := needs("the earlier name"); err != nil {
				return tag, err
			}
			tag.was = append(tag.was, value)
		case "comment":
			tag.comment = &value
		case "check":
			if err := needs("the condition, quoted"); err != nil {
				return tag, err
			}
			tag.check = value
		default:
			return tag, fmt.Errorf("schema: model %q: field %s: unknown slipway tag option %q (want index[:NAME], unique_index[:NAME], using:METHOD, desc, nofk, fk:NAME, was:OLD_NAME, comment:'...' or check:'...')",
				model, f.Name, key)
		}
	}
	return tag, nil
}

// addRenames reads the earlier names a model declares: slipway:"was:old"
// on a field renames its column, on bun.BaseModel the table.
func addRenames(t *Table, bt *bunschema.Table) error {
	for _, f := range bt.Fields {
		tag, err := parseSlipwayTag(t.Model, f.StructField)
		if err != nil {
			return err
		}
		c := t.Column(f.Name)
		for _, old := range tag.was {
			if old == c.Name || slices.Contains(c.was, old) {
				continue
			}
			if other := t.Column(old); other != nil {
				return fmt.Errorf("schema: model %q: field %s says column %q was %q, but field %s has that name now", t.Model, f.GoName, c.Name, old, other.Field)
			}
			c.was = append(c.was, old)
		}
	}
	for i := range bt.Type.NumField() {
		sf := bt.Type.Field(i)
		if !sf.Anonymous || sf.Type != reflect.TypeFor[bun.BaseModel]() {
			continue
		}
		tag, err := parseSlipwayTag(t.Model, sf)
		if err != nil {
			return err
		}
		if len(tag.indexes) > 0 || tag.noFK || tag.fkName != "" || tag.comment != nil || tag.check != "" {
			return fmt.Errorf("schema: model %q: the slipway tag of bun.BaseModel takes was:OLD_TABLE_NAME only", t.Model)
		}
		for _, old := range tag.was {
			if old != t.Name && !slices.Contains(t.was, old) {
				t.was = append(t.was, old)
			}
		}
	}
	return nil
}

// addTaggedIndexes adds the indexes declared with the slipway tag. Fields
// naming the same index form a composite index in field order.
func addTaggedIndexes(t *Table, bt *bunschema.Table) error {
	byName := map[string]*Index{}
	for _, f := range bt.Fields {
		tag, err := parseSlipwayTag(t.Model, f.StructField)
		if err != nil {
			return err
		}
		for _, ti := range tag.indexes {
			if ti.name == "" {
				t.addIndex(&Index{Columns: []string{f.Name}, Unique: ti.unique, Method: ti.method, Desc: descFlags(ti.desc)})
				continue
			}
			if ix, ok := byName[ti.name]; ok {
				switch {
				case ix.Unique != ti.unique:
					return fmt.Errorf("schema: model %q: index %q is declared both unique and not unique", t.Model, ti.name)
				case ti.method != "" && ix.Method != "" && ti.method != ix.Method:
					return fmt.Errorf("schema: model %q: index %q is declared using both %s and %s", t.Model, ti.name, ix.Method, ti.method)
				}
				ix.Columns = append(ix.Columns, f.Name)
				ix.Method = cmpOr(ix.Method, ti.method)
				if ti.desc || ix.Desc != nil {
					ix.Desc = append(descPadded(ix.Desc, len(ix.Columns)-1), ti.desc)
				}
				continue
			}
			ix := &Index{Name: ti.name, Columns: []string{f.Name}, Unique: ti.unique, Method: ti.method, Desc: descFlags(ti.desc)}
			byName[ti.name] = ix
			t.addIndex(ix)
		}
	}
	return nil
}

// descFlags is the Desc of a one-column key: nil when ascending.
func descFlags(desc bool) []bool {
	if !desc {
		return nil
	}
	return []bool{true}
}

// descPadded is flags lengthened to n key columns.
func descPadded(flags []bool, n int) []bool {
	for len(flags) < n {
		flags = append(flags, false)
	}
	return flags
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// addTaggedColumns reads the column-level options of the slipway tag:
// comment:'...' and check:'...'. A check is named "<table>_<column>_check".
func addTaggedColumns(t *Table, bt *bunschema.Table, comments bool) error {
	for _, f := range bt.Fields {
		tag, err := parseSlipwayTag(t.Model, f.StructField)
		if err != nil {
			return err
		}
		if tag.comment != nil && comments {
			t.Column(f.Name).Comment = *tag.comment
			t.Column(f.Name).commented = true
		}
		if tag.check != "" {
			t.Checks = append(t.Checks, &Check{Name: constraintName(t.Name, []string{f.Name}, "check"), Expr: tag.check})
		}
	}
	return nil
}

// addDeclaredChecks adds the CHECK constraints of a model implementing
// Checker.
func addDeclaredChecks(t *Table, bt *bunschema.Table) error {
	ch, ok := bt.ZeroIface.(Checker)
	if !ok {
		return nil
	}
	for _, decl := range ch.Checks() {
		c := decl
		switch {
		case c.Name == "":
			return fmt.Errorf("schema: model %q: a CHECK constraint needs a Name (it is compared with the database by name)", t.Model)
		case strings.TrimSpace(c.Expr) == "":
			return fmt.Errorf("schema: model %q: CHECK constraint %q has no Expr", t.Model, c.Name)
		case slices.ContainsFunc(t.Checks, func(o *Check) bool { return o.Name == c.Name }):
			return fmt.Errorf("schema: model %q: CHECK constraint %q is declared twice", t.Model, c.Name)
		}
		t.Checks = append(t.Checks, &c)
	}
	return nil
}

// addDeclaredIndexes adds the indexes of a model implementing Indexer.
func addDeclaredIndexes(t *Table, bt *bunschema.Table) error {
	ixr, ok := bt.ZeroIface.(Indexer)
	if !ok {
		return nil
	}
	for _, decl := range ixr.Indexes() {
		ix := decl
		ix.Columns = slices.Clone(decl.Columns)
		ix.Desc = slices.Clone(decl.Desc)
		ix.Method = strings.ToLower(decl.Method)
		ix.Constraint = false
		if ix.Expr == "" && len(ix.Columns) == 0 {
			return fmt.Errorf("schema: model %q: index %q has neither Columns nor Expr", t.Model, ix.Name)
		}
		if ix.Expr != "" && len(ix.Columns) > 0 {
			return fmt.Errorf("schema: model %q: index %q has both Columns and Expr: put the columns into the expression", t.Model, ix.Name)
		}
		if len(ix.Desc) > len(ix.Columns) {
			return fmt.Errorf("schema: model %q: index %q has more Desc flags than Columns", t.Model, ix.Name)
		}
		if ix.isExpr() && ix.Name == "" {
			return fmt.Errorf("schema: model %q: an expression or partial index needs a Name (it is compared with the database by name)", t.Model)
		}
		for _, c := range ix.Columns {
			if t.Column(c) == nil {
				return fmt.Errorf("schema: model %q: index %q: no column %q (use column names, not Go field names)", t.Model, ix.Name, c)
			}
		}
		t.addIndex(&ix)
	}
	return nil
}

// addIndex names an index when needed and drops exact duplicates.
func (t *Table) addIndex(ix *Index) {
	if ix.Name == "" {
		suffix := "idx"
		if ix.Unique {
			suffix = "key"
		}
		ix.Name = constraintName(t.Name, ix.Columns, suffix)
	}
	for _, o := range t.Indexes {
		if o.Name == ix.Name {
			return
		}
	}
	t.Indexes = append(t.Indexes, ix)
}

// addForeignKeys adds a foreign key for every relation bun's
// CreateTable(...).WithForeignKeys() would: belongs-to relations (and
// has-one relations whose columns are not the primary key).
func addForeignKeys(t *Table, bt *bunschema.Table) error {
	names := make([]string, 0, len(bt.Relations))
	for name := range bt.Relations {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rel := bt.Relations[name]
		if !rel.References() || rel.PolymorphicField != nil || len(rel.Condition) > 0 {
			continue
		}
		tag, err := parseSlipwayTag(t.Model, rel.Field.StructField)
		if err != nil {
			return err
		}
		if tag.noFK {
			continue
		}
		refSchema, refName := splitTableName(rel.JoinTable)
		fk := &ForeignKey{
			RefSchema: refSchema,
			RefTable:  refName,
			OnDelete:  normalizeAction(strings.TrimPrefix(rel.OnDelete, "ON DELETE ")),
			OnUpdate:  normalizeAction(strings.TrimPrefix(rel.OnUpdate, "ON UPDATE ")),
		}
		for _, f := range rel.BasePKs {
			fk.Columns = append(fk.Columns, f.Name)
		}
		for _, f := range rel.JoinPKs {
			fk.RefColumns = append(fk.RefColumns, f.Name)
		}
		fk.Name = constraintName(t.Name, fk.Columns, "fkey")
		if tag.fkName != "" {
			fk.Name, fk.named = tag.fkName, true
		}
		for _, col := range fk.Columns {
			c := t.Column(col)
			if c == nil || c.Nullable {
				continue
			}
			for _, rule := range []string{fk.OnDelete, fk.OnUpdate} {
				if rule == "SET NULL" {
					return fmt.Errorf("schema: model %q: relation %s: SET NULL on NOT NULL column %q (make the column nullable, or choose another action)",
						t.Model, rel.Field.GoName, col)
				}
			}
		}
		if !slices.ContainsFunc(t.ForeignKeys, func(o *ForeignKey) bool { return o.Name == fk.Name }) {
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
	}
	return nil
}

// constraintName builds PostgreSQL's conventional name
// "<table>_<col>_<col>_<suffix>", shortened with a hash when it would exceed
// 63 bytes (the smallest identifier limit of the supported databases).
func constraintName(table string, columns []string, suffix string) string {
	name := table + "_" + strings.Join(columns, "_") + "_" + suffix
	return shorten(name, 63)
}

func shorten(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	h := fnv32(name)
	return fmt.Sprintf("%s_%08x", name[:limit-9], h)
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

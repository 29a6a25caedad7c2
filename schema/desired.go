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

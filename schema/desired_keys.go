package schema

import (
	"fmt"
	"slices"
	"strings"

	bunschema "github.com/uptrace/bun/schema"
)

// What a model declares in code and in its relations: the Indexer and
// Checker interfaces, their indexes and checks, and the foreign keys of
// bun's relations.

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

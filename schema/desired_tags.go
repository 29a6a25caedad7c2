package schema

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	bunschema "github.com/uptrace/bun/schema"
)

// The slipway struct tag: parsing it, and the earlier names, indexes,
// comments and checks it declares on a model's table.

// The struct tag Slipway reads beside bun's:
//
//	Email string `bun:",notnull" slipway:"unique_index"`               // single-column unique index
//	Title string `slipway:"index:todos_list_title_idx"`               // named; fields sharing a name form a composite index
//	List  *List  `bun:"rel:belongs-to,join:list_id=id" slipway:"nofk"` // no foreign key for this relation
const tagName = "slipway"

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

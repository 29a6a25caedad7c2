package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// LoopBack keys: the primary key and field order, property and model
// indexes, and the foreign keys of the settings as belongs-to relations.

// keys adds the model's indexes and foreign keys, and puts its fields in
// the order its primary key and indexes need.
func (b *lbBuilder) keys(m *lbModel) {
	chains := [][]string{m.spec.pk}
	soft := map[int]bool{} // chains of unique indexes: any order will do
	for _, p := range m.props {
		if p.field == nil {
			continue
		}
		raw, ok := p.keys["index"]
		if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("false")) {
			continue
		}
		unique, ok := b.propertyIndex(m, p, raw)
		if !ok {
			continue
		}
		name := m.table + "_" + p.column + "_idx"
		if b.d.name() == "MySQL" {
			name = p.column // the MySQL connector names it after the column
		}
		opt := "index:"
		if unique {
			opt = "unique_index:"
		}
		p.field.slipway = append(p.field.slipway, opt+tagValue(name))
	}
	if raw, ok := m.settings["indexes"]; ok {
		indexes, err := orderedObject(raw)
		if err != nil {
			b.fail(m.name, "", "indexes: %v", err)
		}
		for _, ix := range indexes {
			cols, unique, ok := b.modelIndex(m, ix)
			if !ok {
				continue
			}
			opt := "index:"
			if unique {
				opt = "unique_index:"
				soft[len(chains)] = true
			}
			chains = append(chains, cols)
			for _, c := range cols {
				f := m.spec.field(c)
				f.slipway = append(f.slipway, opt+tagValue(ix.key))
			}
		}
	}
	if raw, ok := m.settings["foreignKeys"]; ok {
		fks, err := orderedObject(raw)
		if err != nil {
			b.fail(m.name, "", "foreignKeys: %v", err)
		}
		fieldNames := names{}
		for _, f := range m.spec.fields {
			fieldNames[f.name] = true
		}
		for _, fk := range fks {
			b.foreignKey(m, fk, fieldNames)
		}
	}
	var cols []string
	for _, f := range m.spec.fields {
		if f.column != "" {
			cols = append(cols, f.column)
		}
	}
	order, ok := orderColumns(cols, chains)
	if !ok {
		// Unique indexes match in any order: drop them and try again.
		var hard [][]string
		for i, c := range chains {
			if !soft[i] {
				hard = append(hard, c)
			}
		}
		if order, ok = orderColumns(cols, hard); !ok {
			b.fail(m.name, "", "the primary key and the indexes order their properties in ways no one column order satisfies (a model's composite index follows its property order)")
			return
		}
	}
	m.spec.orderFields(order)
}

// propertyIndex reads a property's "index": true, or an object with
// "unique", "kind" and "type".
func (b *lbBuilder) propertyIndex(m *lbModel, p *lbProp, raw json.RawMessage) (unique, ok bool) {
	if lbTrue(raw) {
		return false, true
	}
	obj, err := orderedObject(raw)
	if err != nil {
		b.fail(m.name, p.name, "index must be true or an object: %v", err)
		return false, false
	}
	return b.indexOptions(m, p.name, obj, true)
}

// indexOptions reads "unique", "kind" and "type" (and, in a property's
// index, nothing else).
func (b *lbBuilder) indexOptions(m *lbModel, prop string, obj jsonMembers, strict bool) (unique, ok bool) {
	ok = true
	for _, kv := range obj {
		switch kv.key {
		case "unique":
			unique = unique || lbTrue(kv.value)
		case "kind":
			kind, _ := lbString(kv.value)
			switch strings.ToUpper(kind) {
			case "UNIQUE":
				unique = true
			case "", "INDEX":
			default:
				b.fail(m.name, prop, "index kind %q is not supported (want UNIQUE)", kind)
				ok = false
			}
		case "type":
			if t, _ := lbString(kv.value); !strings.EqualFold(t, "btree") {
				b.fail(m.name, prop, "index type %q is not supported (Slipway's indexes are B-trees)", t)
				ok = false
			}
		default:
			if strict {
				b.unknownKey(m.name, prop, "index."+kv.key, []string{"index.unique", "index.kind", "index.type"})
				ok = false
			}
		}
	}
	return unique, ok
}

// modelIndex reads one of the settings' indexes: {"keys": {...},
// "options": {"unique": true}}, {"columns": "a,b", "kind": "unique"} or
// the keys alone; keys are an object (1 ascending), an array or a string
// of property names.
func (b *lbBuilder) modelIndex(m *lbModel, ix jsonMember) (cols []string, unique, ok bool) {
	what := fmt.Sprintf("index %q", ix.key)
	obj, err := orderedObject(ix.value)
	if err != nil {
		b.fail(m.name, "", "%s: %v", what, err)
		return nil, false, false
	}
	keys, full := obj.get("keys")
	if !full {
		keys, full = obj.get("columns")
	}
	if !full {
		keys = ix.value // the keys alone
	}
	var names []string
	switch k := bytes.TrimSpace(keys); {
	case len(k) > 0 && k[0] == '"':
		s, _ := lbString(k)
		names = strings.Split(s, ",")
	case len(k) > 0 && k[0] == '[':
		if err := json.Unmarshal(k, &names); err != nil {
			b.fail(m.name, "", "%s: keys: %v", what, err)
			return nil, false, false
		}
	default:
		kobj, err := orderedObject(k)
		if err != nil {
			b.fail(m.name, "", "%s: keys: %v", what, err)
			return nil, false, false
		}
		for _, kv := range kobj {
			if n, _ := strconv.Atoi(string(bytes.TrimSpace(kv.value))); n == -1 {
				b.fail(m.name, "", "%s: descending key %q is not supported (Slipway's indexes are ascending)", what, kv.key)
				return nil, false, false
			}
			names = append(names, kv.key)
		}
	}
	for _, n := range names {
		parts := strings.Fields(n)
		if len(parts) == 0 {
			continue
		}
		if len(parts) > 1 && !strings.EqualFold(strings.Join(parts[1:], " "), "ASC") {
			b.fail(m.name, "", "%s: key %q: only ascending keys are supported", what, n)
			return nil, false, false
		}
		col, found := b.columnOf(m, parts[0])
		if !found {
			b.fail(m.name, "", "%s: no property %q", what, parts[0])
			return nil, false, false
		}
		cols = append(cols, col)
	}
	if len(cols) == 0 {
		b.fail(m.name, "", "%s has no keys", what)
		return nil, false, false
	}
	if !full {
		return cols, false, true
	}
	var opts jsonMembers
	for _, kv := range obj {
		switch kv.key {
		case "keys", "columns":
		case "options":
			o, err := orderedObject(kv.value)
			if err != nil {
				b.fail(m.name, "", "%s: options: %v", what, err)
				return nil, false, false
			}
			for _, ov := range o {
				if ov.key != "unique" {
					b.fail(m.name, "", "%s: option %q is not supported (want unique)", what, ov.key)
					return nil, false, false
				}
			}
			opts = append(opts, o...)
		case "kind", "type", "unique":
			opts = append(opts, kv)
		default:
			b.unknownKey(m.name, "", what+"."+kv.key, []string{"keys", "columns", "options", "kind", "type"})
			return nil, false, false
		}
	}
	unique, ok = b.indexOptions(m, "", opts, false)
	return cols, unique, ok
}

// columnOf is the column of a property (or a column named so).
func (b *lbBuilder) columnOf(m *lbModel, name string) (string, bool) {
	for _, p := range m.props {
		if p.name == name && p.field != nil {
			return p.column, true
		}
	}
	for _, p := range m.props {
		if p.column == name && p.field != nil {
			return p.column, true
		}
	}
	return "", false
}

// foreignKey adds the belongs-to relation of one of the settings'
// foreignKeys.
func (b *lbBuilder) foreignKey(m *lbModel, kv jsonMember, fieldNames names) {
	what := fmt.Sprintf("foreign key %q", kv.key)
	obj, err := orderedObject(kv.value)
	if err != nil {
		b.fail(m.name, "", "%s: %v", what, err)
		return
	}
	var entity, entityKey, foreignKey string
	fk := &ForeignKey{OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}
	for _, f := range obj {
		s, _ := lbString(f.value)
		switch f.key {
		case "name":
		case "entity":
			if e, isObj := orderedObject(f.value); isObj == nil {
				raw, _ := e.get("name")
				s, _ = lbString(raw)
			}
			entity = s
		case "entityKey":
			entityKey = s
		case "foreignKey":
			foreignKey = s
		case "onDelete", "onUpdate":
			action := normalizeAction(s)
			if !slices.Contains([]string{"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"}, action) {
				b.fail(m.name, "", "%s: %s %q is not a referential action (want CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION)", what, f.key, s)
				return
			}
			if f.key == "onDelete" {
				fk.OnDelete = action
			} else {
				fk.OnUpdate = action
			}
		default:
			b.unknownKey(m.name, "", what+"."+f.key, []string{"name", "entity", "entityKey", "foreignKey", "onDelete", "onUpdate"})
			return
		}
	}
	var ref *lbModel
	for _, o := range b.models {
		if o.name == entity {
			ref = o
		}
	}
	col, found := b.columnOf(m, foreignKey)
	switch {
	case ref == nil:
		b.fail(m.name, "", "%s: entity %q is not among the definitions (pass its definition too)", what, entity)
		return
	case !found:
		b.fail(m.name, "", "%s: foreignKey: no property %q", what, foreignKey)
		return
	}
	if entityKey == "" && len(ref.spec.pk) == 1 {
		entityKey = ref.spec.pk[0]
	}
	refCol, found := b.columnOf(ref, entityKey)
	switch {
	case !found:
		b.fail(m.name, "", "%s: entityKey: model %q has no property %q", what, entity, entityKey)
		return
	case len(ref.spec.pk) == 0:
		b.fail(m.name, "", "%s: model %q has no id, which a relation needs", what, entity)
		return
	case !joinable(col) || !joinable(refCol):
		b.fail(m.name, "", "%s: a column name has a character bun's join option cannot hold", what)
		return
	case slices.Contains(m.spec.pk, col):
		b.fail(m.name, "", "%s: foreignKey %q is an id, and a model declares no foreign key over its primary key (bun's relations make none)", what, foreignKey)
		return
	}
	fk.Columns, fk.RefColumns = []string{col}, []string{refCol}
	f := &fieldSpec{ref: ref.spec, bun: relationTag(fk)}
	base := strings.TrimSuffix(exportedName(foreignKey), "ID")
	f.name = fieldNames.take(base, base+"Rel", ref.spec.typeName+"Rel")
	m.spec.fields = append(m.spec.fields, f)
}

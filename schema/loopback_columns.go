package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// LoopBack properties as columns: names, the SQL type the connector would
// write, defaults, and the struct field of each.

// columns describes the model's table and a field per property.
func (b *lbBuilder) columns(m *lbModel) {
	conn := map[string]json.RawMessage{}
	if raw, ok := m.settings[b.connector]; ok {
		_ = json.Unmarshal(raw, &conn)
	}
	m.table = b.dbName(m.name)
	for _, k := range []string{"table", "tableName"} {
		if s, ok := lbString(conn[k]); ok && s != "" {
			m.table = s
		}
	}
	m.spec = &modelSpec{table: m.table, typeName: exportedName(m.name)}
	for _, k := range []string{"schema", "schemaName"} {
		if s, ok := lbString(conn[k]); ok && s != "" {
			m.spec.table = s + "." + m.table
		}
	}
	if b.injectsID(m) {
		m.props = append([]*lbProp{{name: "id", conn: map[string]json.RawMessage{},
			keys: map[string]json.RawMessage{"type": json.RawMessage(`"number"`), "id": json.RawMessage(`1`), "generated": json.RawMessage(`true`)}}}, m.props...)
	}
	fieldNames, jsonNames, columns := names{"BaseModel": true}, names{}, map[string]string{}
	for _, p := range m.props {
		p.column = b.dbName(p.name)
		if s, ok := lbString(p.keys["name"]); ok && s != "" {
			p.column = s
		}
		for _, k := range []string{"columnName", "column", "field", "fieldName"} {
			if s, ok := lbString(p.conn[k]); ok && s != "" {
				p.column = s
			}
		}
		if other, dup := columns[p.column]; dup {
			b.fail(m.name, p.name, "maps to column %q, as property %q does", p.column, other)
			continue
		}
		columns[p.column] = p.name
		f := b.field(m, p)
		if f == nil {
			continue
		}
		f.name = fieldNames.take(exportedName(p.name))
		f.json = jsonNames.take(p.name)
		p.field = f
		m.spec.fields = append(m.spec.fields, f)
	}
	var ids []*lbProp
	for _, p := range m.props {
		if p.id > 0 && p.field != nil {
			ids = append(ids, p)
		}
	}
	slices.SortStableFunc(ids, func(a, c *lbProp) int { return a.id - c.id })
	for _, p := range ids {
		m.spec.pk = append(m.spec.pk, p.column)
	}
}

// injectsID reports whether LoopBack adds its "id" property: when no
// property is an id and idInjection is not false.
func (b *lbBuilder) injectsID(m *lbModel) bool {
	for _, p := range m.props {
		if n, _ := lbID(p.keys["id"]); n > 0 {
			return false
		}
	}
	var inject bool
	if raw, ok := m.settings["idInjection"]; ok && json.Unmarshal(raw, &inject) == nil {
		return inject
	}
	return true
}

// dbName is LoopBack's name for a model or property in the database:
// lower-cased by the PostgreSQL connector, as it is by the others.
func (b *lbBuilder) dbName(name string) string {
	if b.connector == "postgresql" {
		return strings.ToLower(name)
	}
	return name
}

// field describes the column of one property.
func (b *lbBuilder) field(m *lbModel, p *lbProp) *fieldSpec {
	id, ok := lbID(p.keys["id"])
	if !ok {
		b.fail(m.name, p.name, "\"id\" must be true, false or a position (1, 2, ...)")
	}
	p.id = id
	sqlType, ok := b.sqlType(m, p)
	if !ok {
		return nil
	}
	typ, err := b.d.parseType(sqlType)
	if err != nil {
		b.fail(m.name, p.name, "type %q: %v", sqlType, err)
		return nil
	}
	gt, why := goTypeOf(b.d, typ)
	if why != "" {
		b.fail(m.name, p.name, "type %q: %s", sqlType, why)
		return nil
	}
	f := &fieldSpec{column: p.column, typ: gt, bun: []string{"type:" + tagValue(sqlType)}}
	nullable := id == 0 && !lbTrue(p.keys["required"])
	for _, flag := range []json.RawMessage{p.keys["nullable"], p.keys["null"], p.keys["allowNull"], p.conn["nullable"]} {
		if lbNo(flag) {
			nullable = false
		}
	}
	f.ptr = nullable && !gt.nilable
	if id > 0 {
		f.bun = append(f.bun, "pk")
	}
	def, hasDefault := b.defaultOf(m, p, typ)
	if lbTrue(p.keys["generated"]) {
		switch {
		case id > 0 && b.d.name() != "MySQL" && typ.Precision() == 0 && (typ.Name == "integer" || typ.Name == "bigint" || typ.Name == "smallint"),
			id > 0 && myIntRank[typ.Name] > 0:
			f.bun = append(f.bun, "autoincrement")
		case hasDefault:
			// The database generates it with its default.
		default:
			b.fail(m.name, p.name, "\"generated\" is supported on an integer id, or with a database default (%s.dbDefault)", b.connector)
		}
	}
	if !nullable && id == 0 {
		f.bun = append(f.bun, "notnull")
	}
	if hasDefault {
		f.bun = append(f.bun, "default:"+tagValue(def))
	}
	return f
}

// sqlType is the column type of a property, as the LoopBack connector of
// the database writes it (see LoopBackModels).
func (b *lbBuilder) sqlType(m *lbModel, p *lbProp) (string, bool) {
	length, lok := lbInt(p.conn["dataLength"], p.keys["length"], p.keys["limit"])
	precision, pok := lbInt(p.conn["dataPrecision"], p.keys["precision"])
	scale, sok := lbInt(p.conn["dataScale"], p.keys["scale"])
	if !lok || !pok || !sok {
		b.fail(m.name, p.name, "length, precision and scale must be positive integers")
		return "", false
	}
	args := func() string {
		switch {
		case length > 0:
			return fmt.Sprintf("(%d)", length)
		case precision > 0 && scale > 0:
			return fmt.Sprintf("(%d,%d)", precision, scale)
		case precision > 0:
			return fmt.Sprintf("(%d)", precision)
		}
		return ""
	}
	for _, raw := range []json.RawMessage{p.conn["dataType"], p.keys["dataType"]} {
		if dt, ok := lbString(raw); ok && dt != "" {
			dt = strings.ToLower(strings.TrimSpace(dt))
			if strings.Contains(dt, "(") {
				return dt, true
			}
			return dt + args(), true
		}
	}
	typ, ok := lbTypeName(p.keys["type"])
	if !ok {
		b.fail(m.name, p.name, "no \"type\" (a LoopBack type such as \"string\" or \"number\")")
		return "", false
	}
	my, pg := b.d.name() == "MySQL", b.d.name() == "PostgreSQL"
	unsigned := ""
	if my && lbTrue(p.keys["unsigned"]) {
		unsigned = " unsigned"
	}
	switch typ {
	case "string":
		switch {
		case length > 0:
			return fmt.Sprintf("varchar(%d)", length), true
		case my && (p.id > 0 || lbTrue(p.keys["index"]) || bytes.HasPrefix(bytes.TrimSpace(p.keys["index"]), []byte("{"))):
			return "varchar(255)", true
		case my:
			return "varchar(512)", true
		}
		return "text", true
	case "number":
		switch {
		case precision > 0 && my:
			return "decimal" + args() + unsigned, true
		case precision > 0:
			return "numeric" + args(), true
		case my:
			return "int" + unsigned, true
		}
		return "integer", true
	case "boolean":
		if my {
			return "tinyint(1)", true
		}
		return "boolean", true
	case "date":
		p := ""
		if precision > 0 {
			p = fmt.Sprintf("(%d)", precision)
		}
		switch {
		case pg:
			return "timestamptz" + p, true
		case my:
			return "datetime" + p, true
		}
		return "timestamp" + p, true
	case "buffer":
		if pg {
			return "bytea", true
		}
		return "blob", true
	case "object", "array", "any", "json", "text":
		return "text", true
	case "geopoint", "point":
		b.fail(m.name, p.name, "type %s is not supported (store the coordinates in two number properties)", p.keys["type"])
	default:
		b.fail(m.name, p.name, "unknown type %s (want string, number, boolean, date, buffer, object, array or any)", p.keys["type"])
	}
	return "", false
}

// defaultOf is the column default of a property as SQL, if it has one.
func (b *lbBuilder) defaultOf(m *lbModel, p *lbProp, typ ColumnType) (string, bool) {
	if s, ok := lbString(p.conn["dbDefault"]); ok && s != "" {
		return s, true
	}
	if raw, ok := p.conn["default"]; ok {
		if s, isString := lbString(raw); isString && (strings.EqualFold(s, "current_timestamp") || strings.EqualFold(s, "now")) {
			return "CURRENT_TIMESTAMP", true
		}
		return b.literal(m, p, raw)
	}
	if raw, ok := p.keys["default"]; ok {
		if s, _ := lbString(raw); s == "$now" {
			return "CURRENT_TIMESTAMP", true
		}
		return b.literal(m, p, raw)
	}
	return "", false
}

// literal writes a JSON value as an SQL literal.
func (b *lbBuilder) literal(m *lbModel, p *lbProp, raw json.RawMessage) (string, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		b.fail(m.name, p.name, "default: %v", err)
		return "", false
	}
	switch v := v.(type) {
	case nil:
		return "", false
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	case string:
		return quoteString(v), true
	default: // an object or array: its JSON text
		return quoteString(string(bytes.TrimSpace(raw))), true
	}
}

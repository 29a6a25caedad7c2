package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// LoopBack model definitions (the JSON of LoopBack 3's model files, and the
// settings and properties of LoopBack 4's @model) as bun models, built
// with reflect, so that a team moving a LoopBack application to Go keeps
// its model files and its database.

// LoopBackModels turns LoopBack model definitions, one JSON document each,
// into bun models for NewMigrator, as LoopBack's SQL connectors would create
// their tables on db's database:
//
//	v1, err := os.ReadFile("models/customer-test.json")
//	models, err := schema.LoopBackModels(db, v1)
//	plan, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{})
//
// A definition has a name, properties and settings, which may stand at the
// top level (LoopBack 3), under "options" or under "settings" (LoopBack 4).
// What it says, and how:
//
//   - The table is the model's name, lower-cased on PostgreSQL (as the
//     LoopBack connector names it), or the "table" of the settings'
//     connector block ("postgresql", "mysql" or "sqlite3", after the
//     database), with its "schema". Other connectors' blocks ("oracle",
//     "mssql", ...) are ignored, as LoopBack ignores them.
//   - A property is a column, named after the property (lower-cased on
//     PostgreSQL) or the connector block's "columnName". Its type follows
//     the property's: String is varchar(length), or text (MySQL:
//     varchar(512), 255 for an id or an indexed property) without one;
//     Number is integer, or numeric(precision,scale) when a precision is
//     given; Boolean, Date (with a precision) and Buffer are boolean,
//     timestamptz/datetime/timestamp and bytea/blob; Object, Array, any and
//     JSON are text. The connector block's "dataType" (with "dataLength",
//     "dataPrecision", "dataScale") names the type instead.
//   - "id" (true or a position) makes the primary key, in id order; with
//     "generated" a Number id is auto-increment. Without an id property,
//     LoopBack's injected one (Number, generated) is added unless
//     idInjection is false.
//   - "required" and ids are NOT NULL, as is "nullable": false (or "N",
//     "NO", 0) at the property or in its connector block.
//   - "default" is the column default ("$now" is the current time); the
//     connector block's "default" or "dbDefault" is SQL written as is.
//   - "index" (true, or {"unique": true}) indexes the column; the settings'
//     "indexes" declare named indexes over several properties, and
//     "foreignKeys" foreign keys (entity, entityKey, foreignKey, onDelete,
//     onUpdate) to other models among defs.
//
// Keys with no effect on the schema (description, hidden, acls, relations,
// validations, ...) are ignored. An unknown key, or one this function does
// not support (a descending index key, GeoPoint, a charset), is an error
// naming the model and property; the error lists every problem of every
// definition. LoopBackModels does no I/O; the models are checked as
// NewMigrator checks them.
//
// The models are struct types made with reflect: they have no type names,
// so errors and MigrateOptions.Models know them by their table names.
func LoopBackModels(db *bun.DB, defs ...[]byte) ([]any, error) {
	d, err := dialectFor(db)
	if err != nil {
		return nil, err
	}
	connector := map[string]string{"PostgreSQL": "postgresql", "MySQL": "mysql", "SQLite": "sqlite3"}[d.name()]
	b := &lbBuilder{d: d, connector: connector}
	for i, def := range defs {
		b.parse(i, def)
	}
	for _, m := range b.models {
		b.columns(m)
	}
	for _, m := range b.models {
		b.keys(m)
	}
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	stubs := map[*modelSpec]reflect.Type{}
	out := make([]any, 0, len(b.models))
	for _, m := range b.models {
		v := reflect.New(m.spec.structType(stubs)).Interface()
		if _, err := buildModel(db, d, v); err != nil {
			// buildModel names the model by its table: name it as LoopBack does.
			msg := strings.TrimPrefix(err.Error(), "schema: ")
			if rest, ok := strings.CutPrefix(msg, fmt.Sprintf("model %q: ", m.spec.table)); ok {
				msg = rest
			}
			b.errs = append(b.errs, fmt.Errorf("schema: LoopBack model %q (table %q): %s", m.name, m.spec.table, msg))
			continue
		}
		out = append(out, v)
	}
	return out, errors.Join(b.errs...)
}

// lbBuilder turns definitions into model specs for one dialect.
type lbBuilder struct {
	d         dialect
	connector string // the settings key of the dialect's LoopBack connector
	models    []*lbModel
	errs      []error
}

type lbModel struct {
	name     string
	settings map[string]json.RawMessage
	props    []*lbProp
	spec     *modelSpec
	table    string // unqualified
}

type lbProp struct {
	name   string
	keys   map[string]json.RawMessage
	conn   map[string]json.RawMessage // the dialect's connector block
	column string
	field  *fieldSpec
	id     int // position in the primary key; 0 for none
}

// Known keys. Keys that do not change a table are accepted and ignored.
var (
	lbModelKeys    = []string{"name", "properties", "options", "settings"}
	lbSettingKeys  = []string{"idInjection", "indexes", "foreignKeys"}
	lbIgnoredModel = []string{
		"base", "description", "plural", "strict", "hidden", "hiddenProperties", "protected", "validations",
		"relations", "acls", "methods", "mixins", "http", "scope", "scopes", "forceId", "replaceOnPUT",
		"excludeBaseProperties", "strictObjectIDCoercion", "public", "dataSource", "trackChanges",
		"enableRemoteReplication", "remoting", "jsonSchema", "annotations", "title", "comments", "doc", "$schema",
	}
	lbPropKeys = []string{
		"type", "id", "generated", "required", "default", "length", "limit", "precision", "scale", "index",
		"nullable", "null", "allowNull", "dataType", "unsigned", "name",
	}
	lbIgnoredProp = []string{
		"description", "doc", "docs", "hidden", "protected", "jsonSchema", "itemType", "title", "comments",
		"defaultFn", "format", "enum", "useDefaultIdType", "updateOnly", "textSearch", "deprecated", "trim", "lowercase", "uppercase",
	}
	lbConnectorProp  = []string{"columnName", "column", "field", "fieldName", "dataType", "dataLength", "dataPrecision", "dataScale", "nullable", "default", "dbDefault"}
	lbConnectorModel = []string{"table", "tableName", "schema", "schemaName"}
	// lbConnectors are the LoopBack connectors whose blocks may appear in a
	// definition; only the database's own is read.
	lbConnectors = []string{
		"postgresql", "mysql", "sqlite3", "oracle", "mssql", "db2", "dashdb", "db2z", "ibmi", "informix",
		"mongodb", "cloudant", "couchdb", "couchdb2", "cassandra", "redis", "kv-redis", "memory", "kv-memory",
		"sqlite", "spanner", "neo4j", "elasticsearch", "firebird", "h2", "sybase", "hana",
	}
)

func (b *lbBuilder) fail(model, prop, format string, args ...any) {
	where := fmt.Sprintf("schema: LoopBack model %q: ", model)
	if prop != "" {
		where += fmt.Sprintf("property %q: ", prop)
	}
	b.errs = append(b.errs, errors.New(where+fmt.Sprintf(format, args...)))
}

// unknownKey reports an unknown key, suggesting the known key it is
// closest to.
func (b *lbBuilder) unknownKey(model, prop, key string, known ...[]string) {
	all := slices.Concat(known...)
	best, dist := "", 3
	for _, k := range all {
		if d := editDistance(strings.ToLower(key), strings.ToLower(k)); d < dist {
			best, dist = k, d
		}
	}
	hint := ""
	if best != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", best)
	}
	b.fail(model, prop, "unknown key %q%s", key, hint)
}

// parse reads definition i.
func (b *lbBuilder) parse(i int, def []byte) {
	top, err := orderedObject(def)
	if err != nil {
		b.errs = append(b.errs, fmt.Errorf("schema: LoopBack model definition %d: %w", i+1, err))
		return
	}
	m := &lbModel{settings: map[string]json.RawMessage{}}
	if raw, ok := top.get("name"); !ok || json.Unmarshal(raw, &m.name) != nil || m.name == "" {
		b.errs = append(b.errs, fmt.Errorf("schema: LoopBack model definition %d: no \"name\" (a string)", i+1))
		return
	}
	if slices.ContainsFunc(b.models, func(o *lbModel) bool { return o.name == m.name }) {
		b.fail(m.name, "", "defined twice")
		return
	}
	for _, kv := range top {
		switch {
		case kv.key == "options" || kv.key == "settings":
			settings, err := orderedObject(kv.value)
			if err != nil {
				b.fail(m.name, "", "%q: %v", kv.key, err)
				continue
			}
			for _, s := range settings {
				b.setting(m, s)
			}
		case slices.Contains(lbModelKeys, kv.key):
		default:
			b.setting(m, kv)
		}
	}
	raw, ok := top.get("properties")
	if !ok {
		b.fail(m.name, "", "no \"properties\"")
		return
	}
	props, err := orderedObject(raw)
	if err != nil {
		b.fail(m.name, "", "properties: %v", err)
		return
	}
	for _, kv := range props {
		if p := b.property(m, kv); p != nil {
			m.props = append(m.props, p)
		}
	}
	b.models = append(b.models, m)
}

// setting keeps a model setting the builder reads, and checks the others.
func (b *lbBuilder) setting(m *lbModel, kv jsonMember) {
	switch {
	case kv.key == b.connector:
		block, err := orderedObject(kv.value)
		if err != nil {
			b.fail(m.name, "", "%q: %v", kv.key, err)
			return
		}
		for _, c := range block {
			if !slices.Contains(lbConnectorModel, c.key) {
				b.unknownKey(m.name, "", b.connector+"."+c.key, prefixed(b.connector, lbConnectorModel))
			}
		}
		m.settings[kv.key] = kv.value
	case slices.Contains(lbSettingKeys, kv.key):
		m.settings[kv.key] = kv.value
	case slices.Contains(lbIgnoredModel, kv.key), slices.Contains(lbConnectors, kv.key):
	default:
		b.unknownKey(m.name, "", kv.key, lbModelKeys, lbSettingKeys, lbIgnoredModel)
	}
}

func prefixed(prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prefix + "." + k
	}
	return out
}

// property reads one property definition: an object, or a type alone
// ("string", ["string"]). A property set to null or false is left out, as
// LoopBack hides it.
func (b *lbBuilder) property(m *lbModel, kv jsonMember) *lbProp {
	p := &lbProp{name: kv.key, keys: map[string]json.RawMessage{}, conn: map[string]json.RawMessage{}}
	v := bytes.TrimSpace(kv.value)
	switch {
	case bytes.Equal(v, []byte("null")), bytes.Equal(v, []byte("false")):
		return nil
	case len(v) > 0 && (v[0] == '"' || v[0] == '['):
		p.keys["type"] = kv.value
		return p
	}
	obj, err := orderedObject(kv.value)
	if err != nil {
		b.fail(m.name, p.name, "%v", err)
		return nil
	}
	for _, k := range obj {
		switch {
		case k.key == b.connector:
			block, err := orderedObject(k.value)
			if err != nil {
				b.fail(m.name, p.name, "%q: %v", k.key, err)
				continue
			}
			for _, c := range block {
				if !slices.Contains(lbConnectorProp, c.key) {
					b.unknownKey(m.name, p.name, b.connector+"."+c.key, prefixed(b.connector, lbConnectorProp))
					continue
				}
				p.conn[c.key] = c.value
			}
		case slices.Contains(lbPropKeys, k.key):
			p.keys[k.key] = k.value
		case slices.Contains(lbIgnoredProp, k.key), slices.Contains(lbConnectors, k.key):
		case k.key == "charset" || k.key == "collation":
			b.fail(m.name, p.name, "%q is not supported: a model cannot declare a column's character set or collation (set them on the database)", k.key)
		default:
			b.unknownKey(m.name, p.name, k.key, lbPropKeys, lbIgnoredProp)
		}
	}
	return p
}

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

// ---- JSON helpers ----

type jsonMember struct {
	key   string
	value json.RawMessage
}

// jsonMembers is a JSON object's members in document order.
type jsonMembers []jsonMember

func (kvs jsonMembers) get(key string) (json.RawMessage, bool) {
	for _, kv := range kvs {
		if kv.key == key {
			return kv.value, true
		}
	}
	return nil, false
}

// orderedObject reads a JSON object keeping the order of its members (the
// order of properties is the order of columns). A key given twice is an
// error.
func orderedObject(data []byte) (jsonMembers, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want a JSON object, not %s", jsonKind(tok))
	}
	var out jsonMembers
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		if _, dup := out.get(key); dup {
			return nil, fmt.Errorf("key %q given twice", key)
		}
		out = append(out, jsonMember{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: more after the object")
	}
	return out, nil
}

func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

func lbString(raw json.RawMessage) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func lbTrue(raw json.RawMessage) bool {
	var v bool
	return raw != nil && json.Unmarshal(raw, &v) == nil && v
}

// lbNo reports LoopBack's spellings of "not nullable": false, 0, "N", "NO".
func lbNo(raw json.RawMessage) bool {
	var v any
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch v := v.(type) {
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return strings.EqualFold(v, "N") || strings.EqualFold(v, "NO")
	}
	return false
}

// lbID reads "id": true is position 1, a number its position.
func lbID(raw json.RawMessage) (int, bool) {
	var v any
	if raw == nil {
		return 0, true
	}
	if json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	switch v := v.(type) {
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case float64:
		if v >= 0 && v == float64(int(v)) {
			return int(v), true
		}
	case nil:
		return 0, true
	}
	return 0, false
}

// lbInt is the first of the values that is set, as a positive integer
// (or a string of one); ok is false when a set value is not one.
func lbInt(raws ...json.RawMessage) (int, bool) {
	for _, raw := range raws {
		if raw == nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			s, isString := lbString(raw)
			if n, err = strconv.Atoi(s); !isString || err != nil {
				return 0, false
			}
		}
		return n, n >= 0
	}
	return 0, true
}

// lbTypeName is a property's LoopBack type, lower-cased: "string",
// "number", ...; an array type (["string"]) is "array".
func lbTypeName(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		return "array", true
	}
	s, ok := lbString(raw)
	return strings.ToLower(s), ok && s != ""
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

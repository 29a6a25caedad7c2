package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
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

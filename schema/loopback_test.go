package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

func readDefinition(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "loopback", name))
	require.NoError(t, err)
	return data
}

func loopBackModels(t *testing.T, db *bun.DB, defs ...[]byte) []any {
	t.Helper()
	models, err := schema.LoopBackModels(db, defs...)
	require.NoError(t, err)
	return models
}

// lbName is a LoopBack name as the connector of db's database writes it:
// the PostgreSQL connector lower-cases model and property names.
func lbName(db *bun.DB, name string) string {
	if db.Dialect().Name() == dialect.PG {
		return strings.ToLower(name)
	}
	return name
}

// The reference texts' CustomerTest, v1 then v2, as written: v2 widens
// email, adds firstName and lastName, and keeps name and age with their
// data (dropping them is withheld).
func TestLoopBackModels_CustomerTestV1ThenV2(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		table := lbName(db, "CustomerTest")
		mustMigrate(t, db, loopBackModels(t, db, readDefinition(t, "customer-test-v1.json"))...)
		assert.Equal(t, []string{"id", "name", "email", "age"}, columnNames(t, db, table))
		assert.Equal(t, 40, columnOf(t, db, table, "email").Length)
		for _, row := range [][]any{{"c1", "Ada", "ada@example.com", 36}, {"c2", "Bob", "bob@example.com", nil}} {
			_, err := db.ExecContext(ctx, "INSERT INTO ? (id, name, email, age) VALUES (?, ?, ?, ?)", bun.Ident(table), row[0], row[1], row[2], row[3])
			require.NoError(t, err)
		}

		v2 := schema.NewMigrator(db, loopBackModels(t, db, readDefinition(t, "customer-test-v2.json"))...)
		plan, err := v2.Migrate(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"WidenType", "AddColumn", "AddColumn", "DropColumn(withheld)", "DropColumn(withheld)"}, changeList(plan), "plan:\n%s", plan)

		assert.Equal(t, 60, columnOf(t, db, table, "email").Length)
		assert.Equal(t, []string{"id", "name", "email", "age", lbName(db, "firstName"), lbName(db, "lastName")}, columnNames(t, db, table))
		var rows []struct {
			ID, Name, Email string
			Age             *int64
		}
		require.NoError(t, db.NewSelect().Table(table).Column("id", "name", "email", "age").Order("id").Scan(ctx, &rows))
		require.Len(t, rows, 2)
		assert.Equal(t, "Ada", rows[0].Name)
		assert.Equal(t, "bob@example.com", rows[1].Email)
		assert.Equal(t, int64(36), *rows[0].Age)

		actual, err := v2.IsActual(ctx)
		require.NoError(t, err)
		assert.True(t, actual, "withheld changes do not make the database out of date")
		again, err := v2.Plan(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, again.SQL())
		_, err = db.ExecContext(ctx, "INSERT INTO ? (id, email) VALUES (?, ?)", bun.Ident(table), "c3", strings.Repeat("x", 60))
		assert.NoError(t, err, "a 60-character email fits")
	})
}

// A definition using what LoopBack's SQL connectors read: connector blocks,
// the injected id, required, defaults, property and model indexes (one
// whose keys are not in property order), a composite id and a foreign key.
var (
	lbCustomer = []byte(`{
  "name": "Customer",
  "base": "PersistedModel",
  "description": "a customer",
  "properties": {
    "email": {"type": "string", "required": true, "length": 80, "index": {"unique": true}},
    "name": {"type": "string", "length": 40},
    "vip": {"type": "boolean", "required": true, "default": false},
    "since": {"type": "date", "default": "$now"},
    "balance": {"type": "number", "precision": 10, "scale": 2, "default": 0},
    "notes": {"type": "string", "hidden": true, "postgresql": {"dataType": "text"}, "mysql": {"dataType": "TEXT"}, "sqlite3": {"dataType": "text"}},
    "legacy": null
  },
  "acls": [],
  "relations": {"lines": {"type": "hasMany", "model": "OrderLine", "foreignKey": "customerId"}}
}`)
	lbOrderLine = []byte(`{
  "name": "OrderLine",
  "options": {
    "idInjection": false,
    "postgresql": {"table": "order_lines"},
    "mysql": {"table": "order_lines"},
    "sqlite3": {"table": "order_lines"},
    "indexes": {"order_lines_sku_order_idx": {"keys": {"sku": 1, "orderNo": 1}}},
    "foreignKeys": {
      "fk_line_customer": {"name": "fk_line_customer", "entity": "Customer", "entityKey": "id", "foreignKey": "customerId", "onDelete": "CASCADE"}
    }
  },
  "properties": {
    "orderNo": {"type": "number", "id": 1},
    "lineNo": {"type": "number", "id": 2},
    "customerId": {"type": "number", "required": true, "index": true},
    "sku": {"type": "string", "length": 20, "required": true, "postgresql": {"columnName": "SKU"}},
    "qty": {"type": "number", "required": true, "default": 1}
  }
}`)
)

func TestLoopBackModels_KeysIndexesAndForeignKeys(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		models := loopBackModels(t, db, lbCustomer, lbOrderLine)
		mustMigrate(t, db, models...)
		assertActual(t, db, models...)

		customer := lbName(db, "Customer")
		assert.Equal(t, []string{"id", "email", "name", "vip", "since", "balance", "notes"}, columnNames(t, db, customer))
		assert.False(t, columnOf(t, db, customer, "email").Nullable)
		assert.True(t, columnOf(t, db, customer, "name").Nullable)
		assert.NotEmpty(t, columnOf(t, db, customer, "since").Default)
		assert.True(t, hasIndexOn(t, db, customer, true, "email"))

		sku := "sku"
		if db.Dialect().Name() == dialect.PG {
			sku = "SKU" // the connector block's columnName, as written
		}
		orderNo, lineNo, customerID := lbName(db, "orderNo"), lbName(db, "lineNo"), lbName(db, "customerId")
		assert.Equal(t, []string{sku, orderNo, lineNo, customerID, "qty"}, columnNames(t, db, "order_lines"),
			"the index (sku, orderNo) needs sku first")
		assert.True(t, hasIndexOn(t, db, "order_lines", false, sku, orderNo))
		assert.True(t, hasIndexOn(t, db, "order_lines", false, customerID))
		assert.Equal(t, []catalogFK{{Columns: []string{customerID}, RefTable: customer, RefColumns: []string{"id"}, OnDelete: "CASCADE"}},
			foreignKeysOf(t, db, "order_lines"))
	})
}

func TestLoopBackModels_Errors(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	tests := []struct {
		name string
		give string
		want string
	}{
		{"not JSON", `{"name": "A",`, `schema: LoopBack model definition 1: invalid JSON`},
		{"no name", `{"properties": {}}`, `schema: LoopBack model definition 1: no "name"`},
		{"misspelt property key", `{"name": "A", "properties": {"email": {"type": "string", "lenght": 40}}}`,
			`schema: LoopBack model "A": property "email": unknown key "lenght" (did you mean "length"?)`},
		{"unknown model key", `{"name": "A", "propertes": {}, "properties": {}}`,
			`schema: LoopBack model "A": unknown key "propertes" (did you mean "properties"?)`},
		{"unknown connector key", `{"name": "A", "properties": {"x": {"type": "string", "sqlite3": {"dataTyp": "text"}}}}`,
			`schema: LoopBack model "A": property "x": unknown key "sqlite3.dataTyp" (did you mean "sqlite3.dataType"?)`},
		{"unsupported type", `{"name": "A", "properties": {"where": {"type": "GeoPoint"}}}`,
			`schema: LoopBack model "A": property "where": type "GeoPoint" is not supported`},
		{"unknown type", `{"name": "A", "properties": {"x": {"type": "Money"}}}`,
			`schema: LoopBack model "A": property "x": unknown type "Money"`},
		{"collation", `{"name": "A", "properties": {"x": {"type": "string", "collation": "utf8mb4_bin"}}}`,
			`schema: LoopBack model "A": property "x": "collation" is not supported`},
		{"descending index", `{"name": "A", "indexes": {"a_x_idx": {"keys": {"x": -1}}}, "properties": {"x": {"type": "number"}}}`,
			`schema: LoopBack model "A": index "a_x_idx": descending key "x" is not supported`},
		{"index on no property", `{"name": "A", "indexes": {"a_y_idx": {"y": 1}}, "properties": {"x": {"type": "number"}}}`,
			`schema: LoopBack model "A": index "a_y_idx": no property "y"`},
		{"foreign key to an unknown model", `{"name": "A", "foreignKeys": {"fk": {"entity": "B", "entityKey": "id", "foreignKey": "bId"}}, "properties": {"bId": {"type": "number"}}}`,
			`schema: LoopBack model "A": foreign key "fk": entity "B" is not among the definitions`},
		{"bad action", `{"name": "A", "foreignKeys": {"fk": {"entity": "A", "foreignKey": "parent", "onDelete": "explode"}}, "properties": {"parent": {"type": "number"}}}`,
			`schema: LoopBack model "A": foreign key "fk": onDelete "explode" is not a referential action`},
		{"foreign key over an id", `{"name": "A", "foreignKeys": {"fk": {"entity": "A", "foreignKey": "id"}}, "properties": {"id": {"type": "number", "id": 1}}}`,
			`schema: LoopBack model "A": foreign key "fk": foreignKey "id" is an id, and a model declares no foreign key over its primary key`},
		{"generated string", `{"name": "A", "properties": {"code": {"type": "string", "id": true, "generated": true}}}`,
			`schema: LoopBack model "A": property "code": "generated" is supported on an integer id`},
		{"two properties on one column", `{"name": "A", "properties": {"x": {"type": "number"}, "y": {"type": "number", "sqlite3": {"columnName": "x"}}}}`,
			`schema: LoopBack model "A": property "y": maps to column "x", as property "x" does`},
		{"what SQLite cannot build", `{"name": "A", "properties": {"id": {"type": "number", "id": 1, "generated": true}, "n": {"type": "number", "id": 2}}}`,
			`schema: LoopBack model "A" (table "A"): column "id": SQLite generates values only for a single-column INTEGER PRIMARY KEY`},
	}
	for _, tt := range tests {
		_, err := schema.LoopBackModels(db, []byte(tt.give))
		require.Error(t, err, tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
	}
}

// Every problem of every definition is reported at once.
func TestLoopBackModels_ReportsEveryProblem(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	_, err := schema.LoopBackModels(db,
		[]byte(`{"name": "A", "properties": {"x": {"type": "string", "lenght": 1}, "y": {"type": "Point"}}}`),
		[]byte(`{"name": "B", "properties": {"z": {"typ": "string"}}}`))
	require.Error(t, err)
	assert.Equal(t, 4, strings.Count(err.Error(), "\n")+1, err.Error())
}

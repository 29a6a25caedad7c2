package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSQLiteParseType(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "INTEGER", want: "integer"},
		{give: "int", want: "int"}, // not a rowid alias: kept apart from integer
		{give: "BIGINT", want: "bigint"},
		{give: "VARCHAR", want: "varchar"},
		{give: "varchar( 40 )", want: "varchar(40)"},
		{give: "CHARACTER VARYING(40)", want: "varchar(40)"},
		{give: "character(3)", want: "char(3)"},
		{give: "DOUBLE", want: "double precision"},
		{give: "DOUBLE PRECISION", want: "double precision"},
		{give: "bool", want: "boolean"},
		{give: "decimal(10, 2)", want: "decimal(10,2)"},
		{give: "TIMESTAMP", want: "timestamp"},
		{give: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := sqlite{}.parseType(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestSQLiteNormalizeDefault(t *testing.T) {
	tests := []struct {
		name string
		give string
		typ  string
		want string
	}{
		{name: "string", give: "'x'", typ: "varchar", want: "'x'"},
		{name: "quote inside", give: "'it''s'", typ: "varchar(20)", want: "'it''s'"},
		{name: "empty string", give: "''", typ: "varchar(20)", want: "''"},
		{name: "negative integer", give: "-1", typ: "integer", want: "-1"},
		{name: "quoted number in an integer column", give: "'7'", typ: "integer", want: "7"},
		{name: "number in a text column stays", give: "7", typ: "text", want: "7"},
		{name: "decimal zeros", give: "1.50", typ: "double precision", want: "1.5"},
		{name: "numeric affinity", give: "0", typ: "numeric(12,4)", want: "0"},
		{name: "bool", give: "TRUE", typ: "boolean", want: "true"},
		{name: "bool as integer", give: "0", typ: "boolean", want: "false"},
		{name: "current_timestamp", give: "CURRENT_TIMESTAMP", typ: "timestamp", want: "current_timestamp"},
		{name: "expression in parentheses", give: "(datetime( 'now' ))", typ: "timestamp", want: "datetime('now')"},
		{name: "null", give: "NULL", typ: "varchar", want: ""},
		{name: "text date is not a number", give: "'2020-01-01'", typ: "date", want: "'2020-01-01'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, err := sqlite{}.parseType(tt.typ)
			require.NoError(t, err)
			assert.Equal(t, tt.want, sqlite{}.normalizeDefault(tt.give, typ))
		})
	}
}

func TestSQLiteWidens(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{from: "varchar(40)", to: "varchar(60)", want: true},
		{from: "varchar(60)", to: "varchar(40)", want: false},
		{from: "varchar(40)", to: "varchar", want: true},
		{from: "varchar", to: "varchar(40)", want: false},
		{from: "varchar(40)", to: "text", want: true},
		{from: "text", to: "varchar", want: true},
		{from: "text", to: "varchar(10)", want: false},
		{from: "char(3)", to: "varchar(3)", want: true},
		{from: "integer", to: "bigint", want: true},
		{from: "int", to: "integer", want: true},
		{from: "bigint", to: "integer", want: false},
		{from: "smallint", to: "integer", want: true},
		{from: "integer", to: "numeric", want: true},
		{from: "integer", to: "numeric(12,2)", want: false}, // SQLite's integers are 64-bit
		{from: "smallint", to: "numeric(7,2)", want: true},
		{from: "integer", to: "double precision", want: false},
		{from: "smallint", to: "real", want: true},
		{from: "real", to: "double precision", want: true},
		{from: "double precision", to: "real", want: false},
		{from: "numeric(10,2)", to: "numeric(12,2)", want: true},
		{from: "numeric(10,2)", to: "numeric(10,4)", want: false},
		{from: "decimal(10,2)", to: "decimal(12,4)", want: true},
		{from: "timestamp(3)", to: "timestamp", want: true},
		{from: "varchar(40)", to: "integer", want: false},
		{from: "blob", to: "text", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.from+"->"+tt.to, func(t *testing.T) {
			from, err := sqlite{}.parseType(tt.from)
			require.NoError(t, err)
			to, err := sqlite{}.parseType(tt.to)
			require.NoError(t, err)
			assert.Equal(t, tt.want, sqlite{}.widens(from, to))
		})
	}
}

func TestParseCreateTable(t *testing.T) {
	def := sqliteParseCreateTable(`CREATE TABLE "odd(name" (
		-- a comment, with a comma
		"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
		[code] varchar(10) COLLATE NOCASE CONSTRAINT "code_key" UNIQUE CHECK (length(code) > 1),
		` + "`total`" + ` REAL GENERATED ALWAYS AS (price * 2) STORED,
		price REAL DEFAULT (1.5), /* another, comment */
		owner_id INTEGER CONSTRAINT owner_fk REFERENCES owners (id) ON DELETE CASCADE NOT DEFERRABLE,
		CONSTRAINT "pair_key" UNIQUE ("code", price),
		CONSTRAINT pets_fk FOREIGN KEY (owner_id, price) REFERENCES "Owners" (id, price),
		CONSTRAINT positive CHECK (price > 0 AND code <> ',')
	) WITHOUT ROWID, STRICT`)

	assert.True(t, def.column("ID").autoIncrement, "column names compare ignoring case")
	assert.False(t, def.column("price").autoIncrement)
	assert.Equal(t, "COLLATE NOCASE CHECK (length(code) > 1)", def.column("code").extra)
	assert.Equal(t, "GENERATED ALWAYS AS (price * 2) STORED", def.column("total").extra)
	assert.Empty(t, def.column("price").extra, "DEFAULT is read from the pragma")
	assert.Equal(t, []*Check{{Name: "positive", Expr: "price > 0 AND code <> ','", raw: "CONSTRAINT positive CHECK (price > 0 AND code <> ',')"}}, def.checks)
	assert.Equal(t, "WITHOUT ROWID, STRICT", def.options)
	assert.True(t, def.withoutRowid)
	assert.Equal(t, "code_key", def.uniqueName([]string{"code"}))
	assert.Equal(t, "pair_key", def.uniqueName([]string{"CODE", "price"}))
	assert.Empty(t, def.uniqueName([]string{"price"}))
	assert.Equal(t, "owner_fk", def.foreignKeyName(&ForeignKey{Columns: []string{"owner_id"}, RefTable: "owners"}))
	assert.Equal(t, "pets_fk", def.foreignKeyName(&ForeignKey{Columns: []string{"owner_id", "price"}, RefTable: "owners"}))

	var missing *sqliteTableDef
	assert.Empty(t, missing.column("x").extra, "a table without a definition has no extras")
	assert.NotPanics(t, func() { sqliteParseCreateTable("CREATE TABLE broken (a, b") })
}

func TestParseCreateIndex(t *testing.T) {
	tests := []struct {
		give      string
		wantKey   string
		wantWhere string
		wantPlain bool
		wantDesc  []bool
	}{
		{give: `CREATE INDEX "i" ON "t" ("a", b)`, wantKey: `"a", b`, wantPlain: true},
		{give: `CREATE UNIQUE INDEX i ON t (a ASC)`, wantKey: `a ASC`, wantPlain: true},
		{give: `CREATE INDEX i ON t (a DESC)`, wantKey: `a DESC`, wantPlain: true, wantDesc: []bool{true}},
		{give: `CREATE INDEX i ON t (a, "b" desc)`, wantKey: `a, "b" desc`, wantPlain: true, wantDesc: []bool{false, true}},
		{give: `CREATE INDEX i ON t (a COLLATE NOCASE)`, wantKey: `a COLLATE NOCASE`},
		{give: `CREATE INDEX i ON t (lower(a))`, wantKey: `lower(a)`},
		{give: `CREATE INDEX "i(" ON t (a) WHERE a IS NOT NULL`, wantKey: `a`, wantWhere: `a IS NOT NULL`, wantPlain: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			key, where, plain, desc := sqliteParseCreateIndex(tt.give)
			assert.Equal(t, tt.wantDesc, desc)
			assert.Equal(t, tt.wantKey, key)
			assert.Equal(t, tt.wantWhere, where)
			assert.Equal(t, tt.wantPlain, plain)
		})
	}
}

func TestSQLiteDefaultSQL(t *testing.T) {
	tests := []struct{ give, want string }{
		{give: "'x'", want: "'x'"},
		{give: "-1", want: "-1"},
		{give: "current_timestamp", want: "current_timestamp"},
		{give: "X'00ff'", want: "X'00ff'"},
		{give: "lower('ABC')", want: "(lower('ABC'))"},
		{give: "(1 + 2)", want: "(1 + 2)"},
		{give: "(1) + (2)", want: "((1) + (2))"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, sqliteDefaultExpr(tt.give), tt.give)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

type customer struct {
	bun.BaseModel `bun:"table:customers"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Email     string    `bun:"email,type:varchar(60),notnull,unique"`
	Name      *string   `bun:"name,type:varchar(40)"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`
}

type order struct {
	bun.BaseModel `bun:"table:orders"`

	ID         int64     `bun:"id,pk,autoincrement"`
	CustomerID int64     `bun:"customer_id,notnull" slipway:"index:orders_customer_status_idx"`
	Status     string    `bun:"status,type:varchar(20),notnull,default:'new'" slipway:"index:orders_customer_status_idx"`
	Customer   *customer `bun:"rel:belongs-to,join:customer_id=id,on_delete:cascade"`
}

// shop creates customers, orders and a view in a fresh database of
// dialect d and returns its URL.
func shop(t *testing.T, d testdb.Dialect) string {
	t.Helper()
	url := testdb.URL(t, d)
	db := testdb.OpenURL(t, url)
	_, err := schema.NewMigrator(db, (*customer)(nil), (*order)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	_, err = db.ExecContext(t.Context(), "CREATE VIEW big_orders AS SELECT id, customer_id FROM orders WHERE id > 100")
	require.NoError(t, err)
	return url
}

// discoverCmd runs slipway discover and returns its exit status, standard
// output and standard error.
func discoverCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), append([]string{"discover"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestDiscover_PrintsModels(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := shop(t, d)
			code, out, errOut := discoverCmd(t, "--url", url, "--package", "shop")
			require.Equal(t, 0, code, errOut)
			assert.Empty(t, errOut)
			f, err := parser.ParseFile(token.NewFileSet(), "models.go", out, 0)
			require.NoError(t, err, out)
			assert.Equal(t, "shop", f.Name.Name)
			for _, want := range []string{
				"type Customer struct {", "type Order struct {", "type BigOrder struct {",
				"`bun:\"rel:belongs-to,join:customer_id=id,on_delete:cascade\" json:\"customer,omitempty\"`",
				"var Models = []any{\n\t(*Customer)(nil),\n\t(*Order)(nil),\n}",
				"var Views = []any{\n\t(*BigOrder)(nil),\n}",
			} {
				assert.Contains(t, out, want)
			}
		})
	}
}

// Asked for one table, discover also writes the tables it references, and
// says so.
func TestDiscover_TablesAddsReferencedOnes(t *testing.T) {
	t.Parallel()
	url := shop(t, testdb.SQLite)
	code, out, errOut := discoverCmd(t, "--url", url, "--tables", "orders")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "type Customer struct {")
	assert.NotContains(t, out, "BigOrder")
	assert.Equal(t, "slipway discover: table \"customers\" added: a table asked for references it\n", errOut)
}

// A column no model can declare is said on stderr and in the source.
func TestDiscover_UnsupportedColumnIsSaid(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.SQLite)
	db := testdb.OpenURL(t, url)
	_, err := db.ExecContext(t.Context(), "CREATE TABLE notes (id INTEGER PRIMARY KEY, body text, extra)")
	require.NoError(t, err)
	code, out, errOut := discoverCmd(t, "--url", url)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, `slipway discover: not declared: table "notes": column "extra": it has no declared type, and a model cannot declare a column without one (bun needs an SQL type)`+"\n", errOut)
	assert.Contains(t, out, "\t// Extra (column \"extra\") is left out: it has no declared type")
}

func TestDiscover_List(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := shop(t, d)
			code, out, errOut := discoverCmd(t, "--url", url, "--list")
			require.Equal(t, 0, code, errOut)
			assert.Regexp(t, `(?m)^schema \S+ \(current\)\n  view   big_orders\n  table  customers\n  table  orders\n`, out)
		})
	}
}

func TestDiscover_JSON(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := shop(t, d)
			code, out, errOut := discoverCmd(t, "--url", url, "--json", "--tables", "orders")
			require.Equal(t, 0, code, errOut)
			var got jsonTable
			require.NoError(t, json.Unmarshal([]byte(out), &got), out)
			assert.Equal(t, "orders", got.Name)
			assert.Equal(t, "table", got.Kind)
			require.Len(t, got.Columns, 3)
			assert.Equal(t, jsonColumn{Name: "status", Type: "varchar(20)", DataType: "varchar", DataLength: 20, Default: "'new'"}, got.Columns[2])
			assert.Equal(t, []string{"id"}, got.PrimaryKey.Columns)
			require.Len(t, got.ForeignKeys, 1)
			assert.Equal(t, "customers", got.ForeignKeys[0].RefTable)
			assert.Equal(t, "CASCADE", got.ForeignKeys[0].OnDelete)
			assert.Contains(t, got.Indexes, jsonIndex{Name: "orders_customer_status_idx", Columns: []string{"customer_id", "status"}})

			code, out, errOut = discoverCmd(t, "--url", url, "--json", "--tables", "big_orders")
			require.Equal(t, 0, code, errOut)
			require.NoError(t, json.Unmarshal([]byte(out), &got), out)
			assert.Equal(t, "view", got.Kind)
		})
	}
}

func TestDiscover_OutWritesTheFile(t *testing.T) {
	t.Parallel()
	url := shop(t, testdb.SQLite)
	path := filepath.Join(t.TempDir(), "models.go")
	code, out, errOut := discoverCmd(t, "--url", url, "--out", path)
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, out)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "package models\n")
}

func TestDiscover_Fails(t *testing.T) {
	t.Parallel()
	url := shop(t, testdb.SQLite)
	tests := []struct {
		name     string
		give     []string
		wantCode int
		wantErr  string
	}{
		{"no URL", []string{"--list"}, 2, "--url is required"},
		{"list and json", []string{"--url", url, "--list", "--json"}, 2, "exclude each other"},
		{"json without a table", []string{"--url", url, "--json"}, 2, "--json prints one table"},
		{"unknown flag", []string{"--url", url, "--color"}, 2, "flag provided but not defined: -color"},
		{"bad URL", []string{"--url", "oracle://x"}, 2, `unsupported scheme "oracle"`},
		{"bad package", []string{"--url", url, "--package", "my-models"}, 1, `package name "my-models" is not a Go identifier`},
		{"missing table", []string{"--url", url, "--tables", "invoices"}, 1, `"invoices": table not found`},
		{"password hidden", []string{"--url", "postgres://app:s3cr3t@127.0.0.1:1/app?connect_timeout=2"}, 1, "postgres://app:xxxxx@127.0.0.1:1/app"},
	}
	for _, tt := range tests {
		code, out, errOut := discoverCmd(t, tt.give...)
		assert.Equal(t, tt.wantCode, code, tt.name)
		assert.Empty(t, out, tt.name)
		assert.Contains(t, errOut, tt.wantErr, tt.name)
		assert.NotContains(t, errOut, "s3cr3t", tt.name)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%s: one line: %s", tt.name, errOut)
	}
}

func TestRun_Usage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(t.Context(), nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "Usage: slipway <command>")
	assert.Equal(t, 2, run(t.Context(), []string{"migrate"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `unknown command "migrate"`)
	code, out, _ := discoverCmd(t, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: slipway discover --url URL")
}

// docs/discovery.md shows what discover prints for its example database,
// and docs/snippets/shop compiles that source: both stay what discover
// prints.
func TestDiscover_DocsShowRealOutput(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Postgres)
	db := testdb.OpenURL(t, url)
	sql, err := os.ReadFile(filepath.Join("testdata", "shop.sql"))
	require.NoError(t, err)
	_, err = db.ExecContext(t.Context(), string(sql))
	require.NoError(t, err)

	code, out, errOut := discoverCmd(t, "--url", url, "--package", "shop")
	require.Equal(t, 0, code, errOut)
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "snippets", "shop", "models.go"))
	require.NoError(t, err)
	assert.Equal(t, string(want), out, "regenerate docs/snippets/shop/models.go and docs/discovery.md")
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "discovery.md"))
	require.NoError(t, err)
	assert.Contains(t, string(doc), errOut)
	assert.Contains(t, string(doc), out)
}

package schema

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// dialect is everything the shared engine needs from one database: an
// inspector, a DDL writer and a lock. The diff, plan, safety rules and tests
// are shared; see postgres.go.
type dialect interface {
	// name is the database's display name, e.g. "PostgreSQL".
	name() string
	// quote quotes an identifier.
	quote(ident string) string
	// checkIdent reports an identifier the database cannot hold.
	checkIdent(ident string) error

	// parseType parses a type as models and catalogs spell it into its
	// canonical form.
	parseType(sql string) (ColumnType, error)
	// normalizeDefault brings a default expression into a canonical
	// spelling, so that the model's and the catalog's forms compare equal.
	normalizeDefault(expr string, typ ColumnType) string
	// widens reports whether changing a column from one type to the other
	// keeps every value exactly.
	widens(from, to ColumnType) bool
	// lengthExpr is the SQL for a column value's length in characters.
	lengthExpr(quotedColumn string) string

	// inspect reads the given tables (those that exist) plus every foreign
	// key that references them, in a fixed number of queries.
	inspect(ctx context.Context, db bun.IDB, tables []tableKey) (*snapshot, error)

	// createTable writes CREATE TABLE for t with its primary key, unique
	// constraints and the foreign keys in t.ForeignKeys.
	createTable(t *Table) []string
	// alterTable sets the SQL of every change to table t (withheld ones
	// included) and returns the statements for the applied ones.
	alterTable(t *Table, live *Table, changes []*Change) []string
	createIndex(t *Table, ix *Index) string
	dropIndex(t *Table, ix *Index) string
	// dropTables drops the tables, which may reference each other.
	dropTables(tables []*Table) []string

	// migrate runs fn under the migration lock; fn gets the connection (or
	// transaction) to inspect and apply on. timeout bounds the wait.
	migrate(ctx context.Context, db *bun.DB, timeout time.Duration, fn func(ctx context.Context, conn bun.IDB) error) error
	// transactional reports whether a failed plan is rolled back entirely.
	transactional() bool
}

// snapshot is what an inspection found.
type snapshot struct {
	// current is the connection's current schema (PostgreSQL) or database.
	current string
	tables  map[tableKey]*Table
	// others holds relations that are not tables (views, sequences, ...)
	// under a requested name, with their kind.
	others map[tableKey]string
	// referencedBy lists, per requested table, the foreign keys of any table
	// that reference it.
	referencedBy map[tableKey][]inboundFK
}

type inboundFK struct {
	from tableKey
	fk   *ForeignKey
}

func (s *snapshot) table(schema, name string) *Table {
	return s.tables[keyOf(schema, name, s.current)]
}

// dialectFor picks the dialect from bun's dialect name.
func dialectFor(db *bun.DB) (dialect, error) {
	switch name := db.Dialect().Name().String(); name {
	case "pg":
		return postgres{}, nil
	case "sqlite":
		return sqlite{}, nil
	case "mysql":
		return mysql{}, nil
	default:
		return nil, fmt.Errorf("schema: dialect %q is not supported (want PostgreSQL, MySQL/MariaDB or SQLite)", name)
	}
}

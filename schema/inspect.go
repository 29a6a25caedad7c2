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
	// features says what the dialect does differently from the default.
	features() features
}

// features are the ways a dialect's DDL differs that the planner must know
// about, as bits (bun's dialect/feature does the same).
type features uint

const (
	// alterIndexes: the indexes of an existing table are added and dropped
	// as clauses of its one ALTER TABLE (MySQL, where each CREATE INDEX is
	// an ALTER TABLE of its own) rather than with CREATE INDEX and DROP
	// INDEX: alterTable then gets the AddIndex and DropIndex changes too.
	alterIndexes features = 1 << iota
	// qualifyRefs: an unqualified foreign key reference resolves in the
	// referencing table's schema rather than in the connection's (MySQL):
	// the planner names the connection's schema in the references of tables
	// in another schema.
	qualifyRefs
	// fkTypesLocked: the type of a column a foreign key uses cannot change
	// while the foreign key exists, on either side (MySQL and MariaDB refuse
	// it whatever foreign_key_checks says): the planner drops those foreign
	// keys before the tables are altered and adds them again after.
	fkTypesLocked
)

func (f features) has(x features) bool { return f&x != 0 }

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
	// missingSchemas are the schemas (MySQL: databases) that requested
	// tables name and the database does not have.
	missingSchemas map[string]bool
}

func newSnapshot() *snapshot {
	return &snapshot{tables: map[tableKey]*Table{}, others: map[tableKey]string{}, referencedBy: map[tableKey][]inboundFK{}, missingSchemas: map[string]bool{}}
}

// schemaCreator is implemented by dialects that create a schema a model's
// table names when it does not exist (PostgreSQL; MySQL, where it is a
// database).
type schemaCreator interface {
	createSchema(name string) string
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

package schema

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The dialect contract: everything the shared engine asks of one database
// (the dialect interface), the optional capabilities a dialect may have
// (found by type assertion), and the features bit set for the ways its DDL
// differs. Adding a dialect means implementing what this file lists; see
// docs/architecture.md.

// dialect is everything the shared engine needs from one database: an
// inspector, a DDL writer and a lock. The diff, the plan, the safety rules
// and the tests are shared. Each dialect implements it in the same files:
// <dialect>.go (identifiers, capabilities), <dialect>_types.go,
// <dialect>_inspect.go, <dialect>_ddl.go and <dialect>_lock.go.
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
	// included) and returns the statements for the applied ones. live is
	// the table as the statements find it; live.planned marks a table the
	// plan itself creates.
	alterTable(t *Table, live *Table, changes []*Change) []statement
	createIndex(t *Table, ix *Index) string
	dropIndex(t *Table, ix *Index) string
	// dropTables drops the tables, which may reference each other.
	dropTables(tables []*Table) []string
	// renameTable renames table from (in t's schema) to t's name, and
	// renameColumn renames column from of table t to to.
	renameTable(t *Table, from string) string
	renameColumn(t *Table, from, to string) string

	// locked runs fn under the migration lock, the one lock primitive
	// (Migrator.Locked): on a connection of its own, in one transaction
	// where DDL is transactional. fn gets the connection or transaction to
	// inspect and apply on. after, when not nil, runs once fn's transaction
	// has committed, on the same connection, still under the lock.
	locked(ctx context.Context, db *bun.DB, ls lockSettings, fn, after func(ctx context.Context, conn bun.IDB) error) error
	// exec runs one statement of a plan on conn, bounding how long it waits
	// for its table's lock (ls.ddl) where that wait makes the table's
	// traffic queue behind it, and trying it again when the dialect can.
	exec(ctx context.Context, conn bun.IDB, s statement, ls lockSettings) error
	// transactional reports whether a failed plan is rolled back entirely.
	transactional() bool
	// features says what the dialect does differently from the default.
	features() features
}

// lockSettings bound the waits of a migration for locks.
type lockSettings struct {
	// wait bounds the wait for the migration lock (WithLockTimeout), and the
	// lock waits of statements that let reads and writes go on; zero or less
	// waits as long as the context allows.
	wait time.Duration
	// ddl bounds each DDL statement's wait for its table's lock
	// (WithDDLLockTimeout): while it waits, the table's traffic queues.
	ddl time.Duration
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
	// noComments: the database keeps no column comments (SQLite); a model's
	// comment is not compared.
	noComments
	// setNullNeedsNull: a column cannot be NOT NULL while a foreign key on
	// it sets it to NULL (MySQL and MariaDB: error 1830).
	setNullNeedsNull
)

func (f features) has(x features) bool { return f&x != 0 }

// ---- optional capabilities, found by type assertion ----

// onlineIndexer is implemented by dialects that build a new index of an
// existing table without blocking its writes (PostgreSQL: CREATE INDEX
// CONCURRENTLY, after the plan's transaction).
type onlineIndexer interface {
	createIndexOnline(t *Table, ix *Index) []statement
}

// txSplitter is implemented by dialects whose transactions can take only so
// many locks (PostgreSQL: its lock table holds max_locks_per_transaction ×
// (max_connections + max_prepared_transactions) locks for all sessions): a
// plan whose statements would take too many is applied in several
// transactions, one after the other, under the migration lock.
type txSplitter interface {
	// split cuts the statements of a plan's transaction into parts that
	// each fit; one part when they all do.
	split(ctx context.Context, conn bun.IDB, stmts []statement) ([][]statement, error)
	// runTx runs fn in a transaction of its own on conn (the connection
	// locked gave after), bounding lock waits and retrying as the first
	// transaction is.
	runTx(ctx context.Context, conn bun.IDB, ls lockSettings, fn func(context.Context, bun.IDB) error) error
}

// fkIndexDropper is implemented by dialects that drop the index a foreign
// key needed with the key (MySQL): it returns that index, or nil when
// something else still needs it.
type fkIndexDropper interface {
	indexOfDroppedFK(want, live *Table, fk *ForeignKey) *Index
}

// rowEstimator is implemented by dialects whose catalog may have no
// estimate of a table's rows (PostgreSQL, for a table never analyzed): the
// planner asks for one only when a change would block the table.
type rowEstimator interface {
	estimateRows(ctx context.Context, db bun.IDB, t *Table) (int64, error)
}

// blocker is implemented by dialects where some changes rewrite or scan a
// table under a lock that blocks its writes (PostgreSQL, MySQL).
type blocker interface {
	// blocks says, for change c of existing table live as the dialect
	// writes it, the lock it holds while it rewrites or scans the table
	// ("" when it does not), and the online way to make the change instead.
	blocks(c *Change, live *Table) (lock, instead string)
}

// inlineIndexer is implemented by dialects whose createTable writes a new
// table's indexes into its CREATE TABLE (MySQL, where each CREATE INDEX is
// an ALTER TABLE of its own): the AddIndex changes of new tables then carry
// the clause and no statement of their own.
type inlineIndexer interface{ indexClause(ix *Index) string }

// actionMatcher is implemented by dialects where different referential
// actions behave the same (InnoDB: RESTRICT and NO ACTION), so that a
// foreign key is not replaced by an equivalent one.
type actionMatcher interface{ sameAction(a, b string) bool }

// fkTypeMatcher is implemented by dialects that join a foreign key's
// columns only to columns of compatible types (PostgreSQL, MySQL).
type fkTypeMatcher interface {
	// fkTypesMatch reports whether a foreign key may join a column of type
	// child to one of type parent.
	fkTypesMatch(child, parent ColumnType) bool
}

// indexChecker is implemented by dialects that cannot build every index a
// model may declare (MySQL: no partial or expression indexes, no plain
// index on a text column). checkIndex says why and what to do instead.
type indexChecker interface {
	checkIndex(t *Table, ix *Index) error
}

// tableChecker is a dialect that cannot hold every table a model may
// describe (SQLite generates values only for an INTEGER PRIMARY KEY).
type tableChecker interface {
	checkTable(t *Table) error
}

// schemaCreator is implemented by dialects that create a schema a model's
// table names when it does not exist (PostgreSQL; MySQL, where it is a
// database).
type schemaCreator interface {
	createSchema(name string) string
}

// valueCaster is implemented by dialects that can write, in a query, the
// value a type change converts a column's value to, exactly as the ALTER
// TABLE converts it (PostgreSQL). Prechecks then judge the converted
// values; elsewhere they judge the values as they are.
type valueCaster interface {
	castExpr(quotedColumn string, from, to ColumnType) (string, bool)
}

// converter is implemented by dialects where converting a column's values
// to another type can fail on the data (PostgreSQL, MySQL in strict mode).
type converter interface {
	// probeConversion converts the live values of c's column as the type
	// change c would, changing nothing, and returns why a value cannot be
	// converted ("" when all can), or an error when the probe itself failed.
	// t and col are the table and column as named before any rename of
	// the plan.
	probeConversion(ctx context.Context, db bun.IDB, t *Table, col string, c *Change) (string, error)
}

// exportEnveloper is implemented by dialects whose exported statements need
// statements around them to run safely outside Migrate (SQLite).
type exportEnveloper interface {
	exportEnvelope(stmts []string) []string
}

// statementExporter is implemented by dialects whose statements carry
// clauses that only Migrate's exec can use (MySQL: the ALGORITHM it falls
// back from when the server cannot make a change that way): exportSQL is the
// statement as a migration file writes it.
type statementExporter interface {
	exportSQL(s statement) string
}

// pkName is the primary key's constraint name: the live one, or
// PostgreSQL's convention "<table>_pkey".
func pkName(t *Table) string {
	if t.PrimaryKey != nil && t.PrimaryKey.Name != "" {
		return t.PrimaryKey.Name
	}
	return shorten(t.Name+"_pkey", 63)
}

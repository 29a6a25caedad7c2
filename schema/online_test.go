package schema_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// Online-safe changes: while a migration changes a table, the table's reads
// and writes go on. Observed from other sessions, through pg_locks and
// pg_stat_activity.

// pgMigratorURL is a URL of a fresh PostgreSQL schema whose connections
// name themselves app, so that other sessions can find them.
func pgMigratorURL(t *testing.T, app string) (plain, named string) {
	t.Helper()
	plain = testdb.PostgresURL(t)
	sep := "?"
	if strings.Contains(plain, "?") {
		sep = "&"
	}
	return plain, plain + sep + "application_name=" + app
}

// waitForQuery waits until a session of application app runs a statement
// starting with prefix and waits for a lock, and returns its pid.
func waitForQuery(t *testing.T, db *bun.DB, app, prefix string) int64 {
	t.Helper()
	var pid int64
	require.Eventually(t, func() bool {
		err := db.QueryRowContext(t.Context(), `SELECT pid FROM pg_stat_activity
			WHERE application_name = ? AND query LIKE ? AND wait_event_type = 'Lock'`, app, prefix+"%").Scan(&pid)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "no %q waiting in session %s", prefix, app)
	return pid
}

// lockModes lists the lock modes session pid holds on table.
func lockModes(t *testing.T, db *bun.DB, pid int64, table string) []string {
	t.Helper()
	var modes []string
	require.NoError(t, db.NewRaw(`SELECT mode FROM pg_locks WHERE pid = ? AND locktype = 'relation' AND relation = to_regclass(?) AND granted ORDER BY mode`,
		pid, table).Scan(t.Context(), &modes))
	return modes
}

func fillItems(t *testing.T, db *bun.DB, n int) {
	t.Helper()
	_, err := db.ExecContext(t.Context(), "INSERT INTO items (id, name) SELECT g, 'item ' || g FROM generate_series(1, ?) AS g", n)
	require.NoError(t, err)
	_, err = db.ExecContext(t.Context(), "ANALYZE items")
	require.NoError(t, err)
}

// A new index of a table with traffic is built CONCURRENTLY: while the
// build waits for an open transaction, other sessions write to the table.
func TestPostgres_IndexIsBuiltWhileTheTableTakesWrites(t *testing.T) {
	t.Parallel()
	plain, named := pgMigratorURL(t, "slipway_cic")
	db, other := testdb.OpenURL(t, named), testdb.OpenURL(t, plain)
	mustMigrate(t, db, (*itemV1)(nil))
	fillItems(t, db, 1000)

	reader, err := other.BeginTx(t.Context(), nil) // an application transaction
	require.NoError(t, err)
	require.NoError(t, reader.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(new(int)))

	done := make(chan error, 1)
	go func() {
		_, err := schema.NewMigrator(db, (*itemIndexed)(nil)).Migrate(context.Background(), schema.MigrateOptions{})
		done <- err
	}()
	pid := waitForQuery(t, other, "slipway_cic", "CREATE INDEX CONCURRENTLY")
	assert.Equal(t, []string{"ShareUpdateExclusiveLock"}, lockModes(t, other, pid, "items"), "a lock that lets reads and writes go on")

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err = other.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (100000, 'written meanwhile')")
	require.NoError(t, err, "a write while the index is built")

	require.NoError(t, reader.Rollback())
	require.NoError(t, <-done)
	assert.True(t, hasIndexOn(t, db, "items", false, "name"))
	assertActual(t, db, (*itemIndexed)(nil))
}

type itemLowerUnique struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull"`
}

func (*itemLowerUnique) Indexes() []schema.Index {
	return []schema.Index{{Name: "items_lower_name_key", Expr: "lower(name)", Unique: true}}
}

// A concurrent build that fails (here over duplicates no precheck can see,
// in an expression) leaves no invalid index behind, and says that the
// plan's transaction had committed.
func TestPostgres_FailedConcurrentBuildLeavesNoInvalidIndex(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*itemV1)(nil))
	insertRows(t, db, &itemV1{ID: 1, Name: "Milk"}, &itemV1{ID: 2, Name: "milk"})

	_, err := schema.NewMigrator(db, (*itemLowerUnique)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	var applyErr *schema.ApplyError
	require.True(t, errors.As(err, &applyErr), "%v", err)
	assert.True(t, applyErr.Committed)
	assert.Contains(t, applyErr.Statement, "CREATE UNIQUE INDEX CONCURRENTLY")
	assert.ErrorContains(t, err, "run the migration again")
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_class WHERE relname = 'items_lower_name_key' AND relnamespace = current_schema()::regnamespace").Scan(&n))
	assert.Zero(t, n, "the invalid index was dropped")
}

// An index a failed build left invalid (an interrupted migration) is
// dropped and built again.
func TestPostgres_InvalidIndexIsBuiltAgain(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*itemV1)(nil))
	insertRows(t, db, &itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "a"})
	_, err := db.ExecContext(t.Context(), "CREATE UNIQUE INDEX CONCURRENTLY items_name_idx ON items (name)")
	require.Error(t, err, "duplicates: the build fails and leaves the index invalid")
	_, err = db.ExecContext(t.Context(), "DELETE FROM items WHERE id = 2")
	require.NoError(t, err)

	plan, err := schema.NewMigrator(db, (*itemIndexed)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropIndex", "AddIndex"}, changeList(plan), "plan:\n%s", plan)
	assert.Contains(t, plan.String(), "invalid: a concurrent build of it failed")
	var valid bool
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('items_name_idx')").Scan(&valid))
	assert.True(t, valid)
	assertActual(t, db, (*itemIndexed)(nil))
}

type itemNotNullNote struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull"`
	Note          string `bun:"type:varchar(100),notnull"`
}

type itemNullableNote struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64   `bun:",pk"`
	Name          string  `bun:"type:varchar(40),notnull"`
	Note          *string `bun:"type:varchar(100)"`
}

// SET NOT NULL, a unique constraint and a foreign key on existing tables
// are made in their online forms, and leave nothing behind: the helper
// check constraint is gone, every constraint is validated.
func TestPostgres_OnlineFormsLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*itemNullableNote)(nil), (*ownerV1)(nil), (*petNoFK)(nil))
	insertRows(t, db, &itemNullableNote{ID: 1, Name: "a", Note: ptr("n")}, &ownerV1{ID: 1}, &petNoFK{ID: 1, OwnerID: ptr[int64](1)})

	plan, err := schema.NewMigrator(db, (*itemNotNullNote)(nil), (*ownerV1)(nil), (*petFK)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	sql := strings.Join(plan.SQL(), ";\n")
	assert.Contains(t, sql, `ADD CONSTRAINT "items_note_not_null" CHECK ("note" IS NOT NULL) NOT VALID`)
	assert.Contains(t, sql, `VALIDATE CONSTRAINT "items_note_not_null"`)
	assert.Contains(t, sql, `FOREIGN KEY ("owner_id") REFERENCES "owners" ("id") ON DELETE CASCADE NOT VALID`)
	assert.Contains(t, sql, `VALIDATE CONSTRAINT "pets_owner_id_fkey"`)

	assert.False(t, columnOf(t, db, "items", "note").Nullable)
	var leftover, unvalidated int
	require.NoError(t, db.QueryRowContext(t.Context(), `SELECT
		count(*) FILTER (WHERE contype = 'c'), count(*) FILTER (WHERE NOT convalidated)
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace`).Scan(&leftover, &unvalidated))
	assert.Zero(t, leftover, "no check constraint left")
	assert.Zero(t, unvalidated, "every constraint validated")
	assertActual(t, db, (*itemNotNullNote)(nil), (*ownerV1)(nil), (*petFK)(nil))

	plan, err = schema.NewMigrator(db, (*itemUnique)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`CREATE UNIQUE INDEX CONCURRENTLY "items_name_key" ON "items" ("name")`,
		`ALTER TABLE "items" ADD CONSTRAINT "items_name_key" UNIQUE USING INDEX "items_name_key"`,
	}, plan.SQL())
	var contype string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT contype::text FROM pg_constraint WHERE conname = 'items_name_key' AND connamespace = current_schema()::regnamespace").Scan(&contype))
	assert.Equal(t, "u", contype, "a unique constraint, as the model's unique tag asks")
}

// A foreign key a migration added NOT VALID and did not get to validate is
// replaced and validated on the next run; rows it would not hold refuse it.
func TestPostgres_UnvalidatedForeignKeyIsValidatedOnTheNextRun(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*ownerV1)(nil), (*petNoFK)(nil))
	insertRows(t, db, &ownerV1{ID: 1}, &petNoFK{ID: 1, OwnerID: ptr[int64](1)})
	_, err := db.ExecContext(t.Context(), `ALTER TABLE pets ADD CONSTRAINT pets_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE NOT VALID`)
	require.NoError(t, err)

	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*petFK)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropForeignKey", "AddForeignKey"}, changeList(plan))
	var validated bool
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT convalidated FROM pg_constraint WHERE conname = 'pets_owner_id_fkey' AND connamespace = current_schema()::regnamespace").Scan(&validated))
	assert.True(t, validated)
	assertActual(t, db, (*ownerV1)(nil), (*petFK)(nil))
}

// An ALTER TABLE waiting behind an application's open transaction gives up
// after the DDL lock timeout, so that the table's traffic does not queue
// behind it, and the migration is tried again; when the transaction ends,
// it goes through.
func TestPostgres_LockTimeoutIsTriedAgain(t *testing.T) {
	t.Parallel()
	plain, named := pgMigratorURL(t, "slipway_retry")
	db, other := testdb.OpenURL(t, named), testdb.OpenURL(t, plain)
	mustMigrate(t, db, (*itemV1)(nil))

	reader, err := other.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	require.NoError(t, reader.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(new(int)))

	done := make(chan error, 1)
	go func() {
		_, err := schema.NewMigrator(db, schema.WithDDLLockTimeout(100*time.Millisecond), (*itemWide)(nil)).Migrate(context.Background(), schema.MigrateOptions{})
		done <- err
	}()
	waitForQuery(t, other, "slipway_retry", "ALTER TABLE")
	// While the ALTER waits, reads queue behind it — for the DDL lock
	// timeout at most, not for as long as the reader's transaction lasts.
	start := time.Now()
	var n int
	require.NoError(t, other.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(&n))
	assert.Less(t, time.Since(start), time.Second)

	time.Sleep(300 * time.Millisecond) // a try or two later
	require.NoError(t, reader.Rollback())
	require.NoError(t, <-done)
	assert.Equal(t, 60, columnOf(t, db, "items", "name").Length)
}

// When the lock cannot be had in any try, the error names the table and
// the session that holds a lock on it.
func TestPostgres_LockTimeoutNamesTheBlockingSession(t *testing.T) {
	t.Parallel()
	plain, _ := pgMigratorURL(t, "unused")
	db := testdb.OpenURL(t, plain)
	blocker := testdb.OpenURL(t, plain+"&application_name=nightly_report")
	mustMigrate(t, db, (*itemV1)(nil))

	reader, err := blocker.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	defer func() { _ = reader.Rollback() }()
	require.NoError(t, reader.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(new(int)))

	_, err = schema.NewMigrator(db, schema.WithDDLLockTimeout(50*time.Millisecond), (*itemWide)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	var applyErr *schema.ApplyError
	require.True(t, errors.As(err, &applyErr), "%v", err)
	assert.True(t, applyErr.RolledBack)
	assert.ErrorContains(t, err, `could not take the lock of table "items" within 50ms, 5 times`)
	assert.ErrorContains(t, err, `(application "nightly_report"), idle in transaction`)
	assert.ErrorContains(t, err, "AccessShareLock")
	assert.ErrorContains(t, err, "raise WithDDLLockTimeout")
	assert.Equal(t, 40, columnOf(t, db, "items", "name").Length, "nothing applied")
}

type counterWide struct {
	bun.BaseModel `bun:"table:counters"`
	ID            int64 `bun:",pk"`
	Hits          int64 `bun:"type:bigint,notnull"`
}

type counterNarrow struct {
	bun.BaseModel `bun:"table:counters"`
	ID            int64 `bun:",pk"`
	Hits          int32 `bun:"type:integer,notnull"`
}

// int -> bigint rewrites a PostgreSQL table under ACCESS EXCLUSIVE: above
// the row threshold it is Blocking and withheld, with the lock, the rows
// and the online way; AllowBlocking applies it.
func TestPostgres_RewriteAboveTheThresholdIsWithheld(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*counterNarrow)(nil))
	_, err := db.ExecContext(t.Context(), "INSERT INTO counters SELECT g, g FROM generate_series(1, 200) g; ANALYZE counters")
	require.NoError(t, err)

	m := schema.NewMigrator(db, schema.WithBlockingThreshold(100), (*counterWide)(nil))
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	require.Len(t, plan.Changes, 1)
	c := plan.Changes[0]
	assert.Equal(t, schema.Blocking, c.Class)
	assert.True(t, c.Withheld)
	assert.Contains(t, c.Reason, "rewrites the table under an ACCESS EXCLUSIVE lock")
	assert.Contains(t, c.Reason, `table "counters", about 200 rows (more than 100)`)
	assert.Contains(t, c.Reason, "add a bigint column, fill it in batches, and swap it in")
	assert.Empty(t, plan.SQL())
	assert.Equal(t, "integer", columnOf(t, db, "counters", "hits").DataType)
	actual, err := m.IsActual(t.Context())
	require.NoError(t, err)
	assert.True(t, actual, "a withheld change is not pending")

	plan, err = m.Migrate(t.Context(), schema.MigrateOptions{AllowBlocking: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType"}, changeList(plan))
	assert.Equal(t, schema.Blocking, plan.Changes[0].Class)
	assert.Equal(t, "bigint", columnOf(t, db, "counters", "hits").DataType)
}

// What PostgreSQL makes in the catalog alone is never Blocking, however big
// the table: a longer varchar, a default.
func TestPostgres_CatalogOnlyChangesAreNotBlocking(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*itemV1)(nil))
	fillItems(t, db, 300)
	plan, err := schema.NewMigrator(db, schema.WithBlockingThreshold(100), (*itemWide)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType"}, changeList(plan))
	assert.Equal(t, schema.Safe, plan.Changes[0].Class, fmt.Sprint(plan))
}

// executed lists the DDL statements a *bun.DB ran.
func executed(db *bun.DB) (*bun.DB, *queryLog) {
	log := &queryLog{}
	return db.WithQueryHook(log), log
}

type itemNoted struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64   `bun:",pk"`
	Name          string  `bun:"type:varchar(40),notnull,default:'x'" slipway:"index"`
	Note          *string `bun:"type:varchar(100)"`
}

// On MySQL every ALTER TABLE says how the server must make it: INSTANT
// (the catalog only) or INPLACE with LOCK=NONE (reads and writes go on),
// and the server, which refuses a LOCK=NONE it cannot keep, accepts it.
func TestMySQL_ChangesAreMadeOnline(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*ownerV1)(nil), (*itemV1)(nil), (*petNoFK)(nil))
	insertRows(t, db, &ownerV1{ID: 1}, &itemV1{ID: 1, Name: "a"}, &petNoFK{ID: 1, OwnerID: ptr[int64](1)})

	hooked, log := executed(db)
	tests := []struct {
		name   string
		models []any
		want   string
	}{
		{"add a nullable column, a default", []any{(*itemAddNullable)(nil)}, "ALGORITHM=INSTANT"},
		{"add an index, change a default", []any{(*itemNoted)(nil)}, "ALGORITHM=INPLACE, LOCK=NONE"},
		{"widen a varchar within its length byte", []any{(*itemWide)(nil)}, "ALGORITHM=INSTANT"},
		{"add a foreign key", []any{(*ownerV1)(nil), (*petFK)(nil)}, "ALGORITHM=INPLACE, LOCK=NONE"},
		{"make a column NOT NULL", []any{(*itemNotNullNote)(nil)}, "ALGORITHM=INPLACE, LOCK=NONE"},
	}
	for _, tt := range tests {
		log.reset()
		if tt.name == "make a column NOT NULL" {
			_, err := db.ExecContext(t.Context(), "UPDATE items SET note = 'n'")
			require.NoError(t, err)
		}
		_, err := schema.NewMigrator(hooked, tt.models...).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err, tt.name)
		ddl := log.ddl()
		require.NotEmpty(t, ddl, tt.name)
		assert.Contains(t, ddl[len(ddl)-1], tt.want, tt.name)
		assertActual(t, db, tt.models...)
	}
	var fks int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT @@SESSION.foreign_key_checks").Scan(&fks))
	assert.Equal(t, 1, fks, "foreign_key_checks is back on")
}

// A MySQL type change that copies the table is Blocking above the row
// threshold, withheld, and copies the table only with AllowBlocking.
func TestMySQL_CopyAboveTheThresholdIsWithheld(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*counterNarrow)(nil))
	for i := range 300 {
		insertRows(t, db, &counterNarrow{ID: int64(i + 1), Hits: int32(i)})
	}
	_, err := db.ExecContext(t.Context(), "ANALYZE TABLE counters")
	require.NoError(t, err)

	m := schema.NewMigrator(db, schema.WithBlockingThreshold(100), (*counterWide)(nil))
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	require.Len(t, plan.Changes, 1)
	assert.Equal(t, schema.Blocking, plan.Changes[0].Class)
	assert.True(t, plan.Changes[0].Withheld)
	assert.Contains(t, plan.Changes[0].Reason, "copies the table (ALGORITHM=COPY), which blocks its writes")
	assert.Contains(t, plan.Changes[0].Reason, "gh-ost")

	plan, err = m.Migrate(t.Context(), schema.MigrateOptions{AllowBlocking: true})
	require.NoError(t, err)
	assert.Contains(t, plan.SQL()[0], "ALGORITHM=COPY")
	typ, _, _, _ := columnFacts(t, db, "counters", "hits")
	assert.Equal(t, "bigint(20)", typ)
}

// An ALTER TABLE waiting for a metadata lock behind an open transaction
// gives up after the DDL lock timeout and is tried again; when the lock
// cannot be had, the error names the table and the open transactions.
func TestMySQL_LockWaitIsTriedAgainAndNamesTheTransactions(t *testing.T) {
	t.Parallel()
	url := testdb.MySQLURL(t)
	db, other := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	mustMigrate(t, db, (*itemV1)(nil))
	insertRows(t, db, &itemV1{ID: 1, Name: "a"})

	writer, err := other.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	_, err = writer.ExecContext(t.Context(), "UPDATE items SET name = 'b' WHERE id = 1")
	require.NoError(t, err)

	m := schema.NewMigrator(db, schema.WithDDLLockTimeout(time.Second), (*itemAddNullable)(nil))
	_, err = m.Migrate(t.Context(), schema.MigrateOptions{})
	var applyErr *schema.ApplyError
	require.True(t, errors.As(err, &applyErr), "%v", err)
	assert.ErrorContains(t, err, `could not take the metadata lock of table "items" within 1s, 5 times`)
	assert.ErrorContains(t, err, "in a transaction for")
	assert.ErrorContains(t, err, "raise WithDDLLockTimeout")

	done := make(chan error, 1)
	go func() {
		_, err := m.Migrate(context.Background(), schema.MigrateOptions{})
		done <- err
	}()
	time.Sleep(1500 * time.Millisecond) // a try or two
	require.NoError(t, writer.Commit())
	require.NoError(t, <-done)
	assert.Contains(t, columnNames(t, db, "items"), "note")
}

// Validating the check behind SET NOT NULL, over a table big enough for the
// scan to be seen, takes SHARE UPDATE EXCLUSIVE only, which lets reads and
// writes go on; ACCESS EXCLUSIVE is held only by the moment's ALTER TABLEs.
func TestPostgres_ValidationTakesShareUpdateExclusive(t *testing.T) {
	t.Parallel()
	plain, named := pgMigratorURL(t, "slipway_validate")
	db, other := testdb.OpenURL(t, named), testdb.OpenURL(t, plain)
	mustMigrate(t, db, (*itemNullableNote)(nil))
	_, err := db.ExecContext(t.Context(), "INSERT INTO items (id, name, note) SELECT g, 'n', 'x' FROM generate_series(1, 2000000) g")
	require.NoError(t, err)

	type seen struct{ query, mode string }
	var locks []seen
	done := make(chan error, 1)
	go func() {
		_, err := schema.NewMigrator(db, (*itemNotNullNote)(nil)).Migrate(context.Background(), schema.MigrateOptions{})
		done <- err
	}()
	for running := true; running; {
		select {
		case err := <-done:
			require.NoError(t, err)
			running = false
		default:
			// pg_locks and pg_stat_activity are read at different moments:
			// a sample counts only when the same statement ran before and
			// after its locks were read.
			started := func() (query string, at time.Time) {
				_ = other.QueryRowContext(t.Context(), `SELECT query, query_start FROM pg_stat_activity
					WHERE application_name = 'slipway_validate' AND state = 'active'`).Scan(&query, &at)
				return query, at
			}
			query, at := started()
			var modes []string
			rows, err := other.QueryContext(t.Context(), `SELECT l.mode FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
				WHERE a.application_name = 'slipway_validate' AND l.granted AND l.relation = to_regclass('items')`)
			require.NoError(t, err)
			for rows.Next() {
				var mode string
				require.NoError(t, rows.Scan(&mode))
				modes = append(modes, mode)
			}
			require.NoError(t, rows.Close())
			if q, a := started(); q != query || !a.Equal(at) || query == "" {
				continue
			}
			for _, mode := range modes {
				locks = append(locks, seen{query, mode})
			}
		}
	}
	validating := 0
	for _, l := range locks {
		if strings.Contains(l.query, "VALIDATE CONSTRAINT") {
			validating++
			assert.Equal(t, "ShareUpdateExclusiveLock", l.mode, "while validating")
		}
	}
	assert.NotZero(t, validating, "the validation was seen running (locks seen: %d)", len(locks))
	assert.False(t, columnOf(t, db, "items", "note").Nullable)
}

// A cold create and a rebuild of thousands of tables fit a stock server's
// lock table (max_locks_per_transaction 64): the plan is applied in parts,
// and the database then matches the models. It takes minutes, so it runs
// when SLIPWAY_TEST_MANY_TABLES says how many tables (2000, 5000; figures
// in docs/benchmarks.md); TestPostgres_PlanInParts runs the same code on a
// small lock budget in every run.
func TestPostgres_ManyTablesFitTheLockTable(t *testing.T) {
	v := os.Getenv("SLIPWAY_TEST_MANY_TABLES")
	if v == "" {
		t.Skip("set SLIPWAY_TEST_MANY_TABLES=2000 (or 5000) to create that many tables")
	}
	t.Parallel()
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "SLIPWAY_TEST_MANY_TABLES")
	db := testdb.Open(t, testdb.Postgres)
	models := benchModels(n)
	plan := mustMigrate(t, db, models...)
	assert.Len(t, plan.Changes, 2*n, "a table (its foreign key inline) and an index per model")
	var tables int
	require.NoError(t, db.NewRaw("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'bench\\_%'").Scan(t.Context(), &tables))
	assert.Equal(t, n, tables)
	assertActual(t, db, models...)

	// A rebuild drops them all and creates them again.
	_, err = schema.NewMigrator(db, models...).Migrate(t.Context(), schema.MigrateOptions{Rebuild: true})
	require.NoError(t, err)
	assertActual(t, db, models...)
}

// The row count that decides a blocking change does not trust a stale
// estimate near the threshold: a table analyzed while empty and filled
// since is counted (its rewrite withheld), and one analyzed full and
// emptied since is counted too (its rewrite applied, and the next plan
// agrees). Found by TestEvolution: PostgreSQL renews reltuples when it
// builds an index, so a decision taken on an estimate flipped on the next
// run.
func TestPostgres_BlockingDecisionCountsNearTheThreshold(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*counterNarrow)(nil))
	_, err := db.ExecContext(t.Context(), "ANALYZE counters; INSERT INTO counters SELECT g, g FROM generate_series(1, 200) g")
	require.NoError(t, err)
	m := schema.NewMigrator(db, schema.WithBlockingThreshold(100), (*counterWide)(nil))
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	require.Len(t, plan.Changes, 1)
	assert.True(t, plan.Changes[0].Withheld, "estimated 0 rows, holds 200:\n%s", plan)
	assert.Contains(t, plan.Changes[0].Reason, "about 200 rows (more than 100)")
	assert.Equal(t, "integer", columnOf(t, db, "counters", "hits").DataType)

	_, err = db.ExecContext(t.Context(), "ANALYZE counters; DELETE FROM counters")
	require.NoError(t, err)
	plan, err = m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType"}, changeList(plan))
	assert.False(t, plan.Changes[0].Withheld, "estimated 200 rows, holds none:\n%s", plan)
	assert.Equal(t, "bigint", columnOf(t, db, "counters", "hits").DataType)
	plan, err = schema.NewMigrator(db, schema.WithBlockingThreshold(100), schema.WithoutSchemaState(), (*counterWide)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, plan.Changes)
}

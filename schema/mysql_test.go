package schema_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/dburl"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// MySQL and MariaDB behaviour: the catalogs' spellings, DDL that commits
// statement by statement, GET_LOCK, one ALTER TABLE per table.

func isMariaDB(t *testing.T, db *bun.DB) bool {
	t.Helper()
	var version string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT VERSION()").Scan(&version))
	return strings.Contains(version, "MariaDB")
}

func mysqlExec(t *testing.T, db *bun.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err, q)
	}
}

// columnFacts reads what information_schema says about one column.
func columnFacts(t *testing.T, db *bun.DB, table, column string) (columnType, extra, collation, comment string) {
	t.Helper()
	var coll sql.NullString
	require.NoError(t, db.QueryRowContext(t.Context(), `
		SELECT COLUMN_TYPE, EXTRA, COLLATION_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?`, table, column).
		Scan(&columnType, &extra, &coll, &comment))
	return columnType, extra, coll.String, comment
}

type jsonDoc struct {
	bun.BaseModel `bun:"table:json_docs"`
	ID            int64           `bun:",pk,autoincrement"`
	Data          map[string]any  `bun:"type:json,notnull"`
	Raw           json.RawMessage // bun: JSON
}

type jsonDocNullable struct {
	bun.BaseModel `bun:"table:json_docs"`
	ID            int64          `bun:",pk,autoincrement"`
	Data          map[string]any `bun:"type:json"`
	Raw           json.RawMessage
}

func TestMySQL_JSONColumnsMatchOnBothServers(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*jsonDoc)(nil))
	assertActual(t, db, (*jsonDoc)(nil))

	// MariaDB keeps JSON as longtext with a json_valid check; MySQL has a
	// json type. Either way the model's json compares equal.
	typ, _, _, _ := columnFacts(t, db, "json_docs", "data")
	if isMariaDB(t, db) {
		assert.Equal(t, "longtext", typ)
		var checks int
		require.NoError(t, db.QueryRowContext(t.Context(), `
			SELECT count(*) FROM information_schema.CHECK_CONSTRAINTS
			WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'json_docs' AND CHECK_CLAUSE LIKE 'json_valid(%'`).Scan(&checks))
		assert.Equal(t, 2, checks, "one json_valid check per JSON column")
	} else {
		assert.Equal(t, "json", typ)
	}
	insertRows(t, db, &jsonDoc{Data: map[string]any{"k": "v"}, Raw: json.RawMessage(`[1]`)})
	_, err := db.ExecContext(t.Context(), "INSERT INTO json_docs (data) VALUES ('not json')")
	assert.Error(t, err, "the database validates JSON")

	// Redefining a JSON column (MODIFY COLUMN) keeps it JSON, once.
	plan, err := schema.NewMigrator(db, (*jsonDocNullable)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropNotNull"}, changeList(plan))
	assert.True(t, columnOf(t, db, "json_docs", "data").Nullable)
	assertActual(t, db, (*jsonDocNullable)(nil))
}

// legacyTypes is a table as MySQL 5.7, MariaDB or a hand-written script
// spells it: display widths, quoted numeric defaults, aliases.
type legacyTypes struct {
	bun.BaseModel `bun:"table:legacy_types"`
	ID            int32      `bun:"type:integer,pk,autoincrement"`
	Flag          bool       `bun:",notnull,default:false"`
	Small         *int16     ``
	Tiny          int8       `bun:"type:tinyint,notnull,default:-3"`
	Counter       uint64     `bun:"type:bigint unsigned,notnull,default:0"`
	Ratio         float64    `bun:"type:numeric(5,2),notnull,default:1"`
	Score         float32    `bun:"type:real"`
	Name          *string    `bun:"type:character varying(40)"`
	Body          *string    `bun:"type:mediumtext"`
	Born          *time.Time `bun:"type:datetime(6)"`
	Year          *int16     `bun:"type:year"`
	Seen          time.Time  `bun:"type:timestamp,notnull,default:now() on update now()"`
	Status        string     `bun:"type:enum('New','done'),notnull,default:'New'"`
	Token         string     `bun:"type:varchar(36),notnull,default:uuid()"`
}

func TestMySQL_HandWrittenSpellingsAreActual(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mysqlExec(t, db, "CREATE TABLE legacy_types ("+
		"id int(11) NOT NULL AUTO_INCREMENT, "+
		"flag tinyint(1) NOT NULL DEFAULT '0', "+
		"small smallint(6) DEFAULT NULL, "+
		"tiny tinyint(4) NOT NULL DEFAULT '-3', "+
		"counter bigint(20) unsigned NOT NULL DEFAULT '0', "+
		"ratio decimal(5,2) NOT NULL DEFAULT '1.00', "+
		"score double DEFAULT NULL, "+
		"name varchar(40) DEFAULT NULL, "+
		"body mediumtext, "+
		"born datetime(6) DEFAULT NULL, "+
		"year year(4) DEFAULT NULL, "+
		"seen timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "+
		"status enum('New','done') NOT NULL DEFAULT 'New', "+
		"token varchar(36) NOT NULL DEFAULT (uuid()), "+
		"PRIMARY KEY (id))")
	plan, err := schema.NewMigrator(db, (*legacyTypes)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, plan.Changes, "plan:\n%s", plan)

	// And the same model creates a table that is actual too.
	mysqlExec(t, db, "DROP TABLE legacy_types")
	mustMigrate(t, db, (*legacyTypes)(nil))
	assertActual(t, db, (*legacyTypes)(nil))
	typ, _, _, _ := columnFacts(t, db, "legacy_types", "counter")
	assert.Contains(t, typ, "bigint")
	assert.Contains(t, typ, "unsigned")
	insertRows(t, db, &legacyTypes{Status: "done"})
	var token string
	require.NoError(t, db.NewSelect().Table("legacy_types").Column("token").Scan(t.Context(), &token))
	assert.Len(t, token, 36, "the expression default ran")
}

type hitsUnsigned struct {
	bun.BaseModel `bun:"table:hits"`
	ID            int64  `bun:",pk"`
	N             uint32 `bun:"type:int unsigned,notnull"`
}

type hitsBigint struct {
	bun.BaseModel `bun:"table:hits"`
	ID            int64 `bun:",pk"`
	N             int64 `bun:",notnull"`
}

type hitsInt struct {
	bun.BaseModel `bun:"table:hits"`
	ID            int64 `bun:",pk"`
	N             int32 `bun:",notnull"`
}

func TestMySQL_UnsignedWidensOnlyToAWiderType(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*hitsUnsigned)(nil))
	insertRows(t, db, &hitsUnsigned{ID: 1, N: 4294967295})

	plan, err := schema.NewMigrator(db, (*hitsBigint)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType"}, changeList(plan), "int unsigned -> bigint keeps every value")
	var n int64
	require.NoError(t, db.NewSelect().Table("hits").Column("n").Scan(t.Context(), &n))
	assert.Equal(t, int64(4294967295), n)

	plan, err = schema.NewMigrator(db, (*hitsInt)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"ChangeType(withheld)"}, changeList(plan), "bigint -> int narrows")
	typ, _, _, _ := columnFacts(t, db, "hits", "n")
	assert.Contains(t, typ, "bigint")
}

type stampedV1 struct {
	bun.BaseModel `bun:"table:stamped"`
	ID            int64     `bun:",pk"`
	Note          string    `bun:"type:varchar(20),notnull"`
	UpdatedAt     time.Time `bun:"type:datetime(6),notnull,default:current_timestamp(6) ON UPDATE current_timestamp(6)"`
}

type stampedV2 struct {
	bun.BaseModel `bun:"table:stamped"`
	ID            int64     `bun:",pk"`
	Note          string    `bun:"type:varchar(20),notnull"`
	UpdatedAt     time.Time `bun:"type:datetime(6),notnull,default:current_timestamp(6)"`
}

func TestMySQL_OnUpdateCurrentTimestamp(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*stampedV1)(nil))
	assertActual(t, db, (*stampedV1)(nil))
	_, extra, _, _ := columnFacts(t, db, "stamped", "updated_at")
	assert.Contains(t, strings.ToLower(extra), "on update current_timestamp(6)")

	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	insertRows(t, db, &stampedV1{ID: 1, Note: "a", UpdatedAt: old})
	_, err := db.NewUpdate().Table("stamped").Set("note = 'b'").Where("id = 1").Exec(t.Context())
	require.NoError(t, err)
	var updated time.Time
	require.NoError(t, db.NewSelect().Table("stamped").Column("updated_at").Scan(t.Context(), &updated))
	assert.True(t, updated.After(old), "ON UPDATE set the time: %s", updated)

	// A model without ON UPDATE takes it away.
	plan, err := schema.NewMigrator(db, (*stampedV2)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"SetDefault"}, changeList(plan))
	_, extra, _, _ = columnFacts(t, db, "stamped", "updated_at")
	assert.NotContains(t, strings.ToLower(extra), "on update")
	assertActual(t, db, (*stampedV2)(nil))
}

// itemRich is items with everything changed at once.
type itemRich struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64    `bun:",pk"`
	Name          string   `bun:"type:varchar(60),notnull"` // widened, its index dropped
	Qty           int64    `bun:",notnull,default:0" slipway:"index"`
	Note          *string  `bun:"type:varchar(100),unique"`
	OwnerID       *int64   ``
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id"`
}

func TestMySQL_AllChangesToATableAreOneAlterTable(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*itemIndexed)(nil), (*ownerV1)(nil))
	mysqlExec(t, db, "ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 0, ADD COLUMN owner_id bigint NULL")
	insertRows(t, db, &ownerV1{ID: 1}, &itemIndexed{ID: 1, Name: "a"})
	log := &queryLog{}
	db = db.WithQueryHook(log)

	plan, err := schema.NewMigrator(db, (*itemRich)(nil), (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropIndex", "WidenType", "WidenType", "AddColumn", "AddUnique", "AddForeignKey", "AddIndex"}, changeList(plan), "plan:\n%s", plan)
	ddl := log.ddl()
	require.Len(t, ddl, 1, "one statement: %q", ddl)
	assert.True(t, strings.HasPrefix(ddl[0], "ALTER TABLE `items` "), ddl[0])
	assert.Equal(t, 1, countRows(t, db, "items"))
	assertActual(t, db, (*itemRich)(nil), (*ownerV1)(nil))
}

func TestMySQL_ReplacingAForeignKeyDropsItFirst(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*fkRuleV2)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"ALTER TABLE `pets` DROP FOREIGN KEY `pets_owner_id_fkey`, ALGORITHM=INPLACE, LOCK=NONE",
		"ALTER TABLE `pets` ADD CONSTRAINT `pets_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`) ON DELETE SET NULL ON UPDATE NO ACTION, ALGORITHM=INPLACE, LOCK=NONE",
	}, plan.SQL(), "MySQL refuses to drop and add a foreign key in one ALTER TABLE")
}

type petPlainFK struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   ``
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id"`
}

// A foreign key declared without rules is RESTRICT on MariaDB's catalog and
// NO ACTION in the model: InnoDB treats them alike, so nothing changes.
func TestMySQL_ForeignKeyWithoutRulesIsActual(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mysqlExec(t, db,
		"CREATE TABLE owners (id bigint NOT NULL PRIMARY KEY)",
		"CREATE TABLE pets (id bigint NOT NULL PRIMARY KEY, owner_id bigint NULL, FOREIGN KEY (owner_id) REFERENCES owners (id))")
	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*petPlainFK)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, plan.Changes, "plan:\n%s", plan)
}

// anyIndexOn lists every index on a column, also the one MySQL makes for a
// foreign key (which indexesOf leaves out).
func anyIndexOn(t *testing.T, db *bun.DB, table, column string) []string {
	t.Helper()
	var names []string
	require.NoError(t, db.NewSelect().TableExpr("information_schema.STATISTICS").ColumnExpr("INDEX_NAME").
		Where("TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?", table, column).Scan(t.Context(), &names))
	return names
}

func TestMySQL_TheIndexMySQLMakesForAForeignKey(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	assert.Equal(t, []string{"pets_owner_id_fkey"}, anyIndexOn(t, db, "pets", "owner_id"), "MySQL made an index for the foreign key")

	// It is not an extra. (Nor does it stand for an index a model declares
	// on the column: see TestMySQL_TheIndexMadeForAForeignKeyIsNotTheModelsIndex.)
	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*petFK)(nil)).Plan(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	assert.Empty(t, plan.Changes, "plan:\n%s", plan)

	// Dropping the foreign key drops its index too.
	plan, err = schema.NewMigrator(db, (*ownerV1)(nil), (*petNoFK)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropForeignKey"}, changeList(plan))
	assert.Empty(t, anyIndexOn(t, db, "pets", "owner_id"))
	plan, err = schema.NewMigrator(db, (*ownerV1)(nil), (*petNoFK)(nil)).Plan(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	assert.Empty(t, plan.Changes, "nothing left over:\n%s", plan)
}

type itemWideNote struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64   `bun:",pk"`
	Name          string  `bun:"type:varchar(60),notnull"`
	Note          *string `bun:"type:varchar(20)"`
}

// MODIFY COLUMN replaces the whole definition: what the model does not say
// about the column must be repeated or it is lost.
func TestMySQL_ModifyColumnKeepsWhatTheModelDoesNotSay(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mysqlExec(t, db, "CREATE TABLE items (id bigint NOT NULL PRIMARY KEY, "+
		"name varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'shown to users' CHECK (name <> ''), "+
		"note varchar(10) NULL INVISIBLE)")
	plan, err := schema.NewMigrator(db, (*itemWideNote)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType", "WidenType"}, changeList(plan))
	typ, _, collation, comment := columnFacts(t, db, "items", "name")
	assert.Equal(t, "varchar(60)", typ)
	assert.Equal(t, "utf8mb4_bin", collation)
	assert.Equal(t, "shown to users", comment)
	_, extra, _, _ := columnFacts(t, db, "items", "note")
	assert.Contains(t, strings.ToUpper(extra), "INVISIBLE")
	_, err = db.ExecContext(t.Context(), "INSERT INTO items (id, name) VALUES (1, '')")
	assert.Error(t, err, "the CHECK constraint is still there")
	assertActual(t, db, (*itemWideNote)(nil))
}

// missingFunctionDefault makes CREATE TABLE fail when it runs: the function
// does not exist.
type missingFunctionDefault struct {
	bun.BaseModel `bun:"table:bad_defaults"`
	ID            int64  `bun:",pk"`
	Value         string `bun:",default:no_such_function_xyz()"`
}

type goodDefault struct {
	bun.BaseModel `bun:"table:bad_defaults"`
	ID            int64  `bun:",pk"`
	Value         string `bun:",default:'ok'"`
}

type counterBadColumn struct {
	bun.BaseModel `bun:"table:counters"`
	ID            int64  `bun:",pk"`
	Hits          int32  `bun:",notnull"`
	Status        string `bun:"type:varchar(20),notnull,default:'new'"`
	Extra         string `bun:",default:no_such_function_xyz()"`
}

// MySQL commits each DDL statement: a failure leaves the statements before
// it applied, says so, and the next run finishes the job.
func TestMySQL_FailedMigrationConvergesOnTheNextRun(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	_, err := schema.NewMigrator(db, (*ownerV1)(nil), (*missingFunctionDefault)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	var applyErr *schema.ApplyError
	require.ErrorAs(t, err, &applyErr)
	assert.Equal(t, "bad_defaults", applyErr.Table)
	assert.False(t, applyErr.RolledBack)
	assert.ErrorContains(t, err, "statements before it stay applied; run the migration again once fixed")
	assert.True(t, tableExists(t, db, "owners"), "the statement before the failure committed")
	assert.False(t, tableExists(t, db, "bad_defaults"))

	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*goodDefault)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"CreateTable"}, changeList(plan), "only what is missing")
	assertActual(t, db, (*ownerV1)(nil), (*goodDefault)(nil))

	// Two altered tables; the second ALTER TABLE fails, the first stays.
	mustMigrate(t, db, (*itemV1)(nil), (*counterV1)(nil))
	_, err = schema.NewMigrator(db, (*itemAddNullable)(nil), (*counterBadColumn)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.ErrorAs(t, err, &applyErr)
	assert.Equal(t, "counters", applyErr.Table)
	assert.Contains(t, columnNames(t, db, "items"), "note")
	plan, err = schema.NewMigrator(db, (*itemAddNullable)(nil), (*counterV2)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType", "SetDefault"}, changeList(plan), "items is done already")
	assertActual(t, db, (*itemAddNullable)(nil), (*counterV2)(nil))
}

func TestMySQL_MigrateThenHookErrorKeepsTheSchemaChange(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	_, err := schema.NewMigrator(db, (*ownerV1)(nil)).MigrateThen(t.Context(), schema.MigrateOptions{}, func(ctx context.Context, conn bun.IDB) error {
		_, err := conn.NewInsert().Model(&ownerV1{ID: 1}).Exec(ctx)
		require.NoError(t, err, "the new table is visible to the hook")
		return errors.New("seed failed")
	})
	assert.ErrorContains(t, err, "seed failed")
	assert.True(t, tableExists(t, db, "owners"), "MySQL cannot undo DDL")

	// The lock was released: another migrator gets it at once.
	_, err = schema.NewMigrator(db, schema.WithLockTimeout(time.Second), (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	assert.NoError(t, err)
}

const lockHolder = `SELECT IS_USED_LOCK(CONCAT('slipway.migrate:', SHA1(?)))`

func TestMySQL_MigrationHoldsGetLockOnItsConnection(t *testing.T) {
	t.Parallel()
	url := testdb.MySQLURL(t)
	db, observer := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	db.SetMaxOpenConns(1) // the migrating session goes back to the pool
	var (
		database     string
		id           int64
		inside       sql.NullInt64
		after        sql.NullInt64
		sameSessions int64
	)
	require.NoError(t, observer.QueryRowContext(t.Context(), "SELECT DATABASE()").Scan(&database))
	_, err := schema.NewMigrator(db, (*ownerV1)(nil)).MigrateThen(t.Context(), schema.MigrateOptions{}, func(ctx context.Context, conn bun.IDB) error {
		if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			return err
		}
		return observer.QueryRowContext(ctx, lockHolder, database).Scan(&inside)
	})
	require.NoError(t, err)
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT CONNECTION_ID()").Scan(&sameSessions))
	require.Equal(t, id, sameSessions, "same session")
	require.NoError(t, observer.QueryRowContext(t.Context(), lockHolder, database).Scan(&after))
	assert.Equal(t, id, inside.Int64, "the migration's connection holds the lock")
	assert.False(t, after.Valid, "released although the session lives on")
}

func TestMySQL_LockHeldElsewhereTimesOut(t *testing.T) {
	t.Parallel()
	url := testdb.MySQLURL(t)
	db, other := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	conn, err := other.Conn(t.Context()) // another process's migration
	require.NoError(t, err)
	defer conn.Close()
	var got int
	require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT GET_LOCK(CONCAT('slipway.migrate:', SHA1(DATABASE())), 0)").Scan(&got))
	require.Equal(t, 1, got)

	start := time.Now()
	_, err = schema.NewMigrator(db, schema.WithLockTimeout(time.Second), (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	assert.ErrorIs(t, err, schema.ErrLockTimeout)
	assert.ErrorContains(t, err, "another migrator holds it")
	assert.ErrorContains(t, err, "IS_USED_LOCK")
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "it waited")
	assert.False(t, tableExists(t, db, "owners"))

	require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT RELEASE_LOCK(CONCAT('slipway.migrate:', SHA1(DATABASE())))").Scan(&got))
	_, err = schema.NewMigrator(db, schema.WithLockTimeout(time.Second), (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.True(t, tableExists(t, db, "owners"))
}

// WithLockTimeout(0) or less waits as long as the context allows; with
// nobody else holding the lock, it is taken at once.
func TestMySQL_NoLockTimeoutMigrates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give time.Duration
	}{
		{name: "zero", give: 0},
		{name: "negative", give: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, testdb.MySQL)
			_, err := schema.NewMigrator(db, schema.WithLockTimeout(tt.give), (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
			require.NoError(t, err)
			assert.True(t, tableExists(t, db, "owners"))
		})
	}
}

// With no lock timeout, a migrator waits for the lock held elsewhere until
// its context ends, and says so; once the lock is free it migrates.
func TestMySQL_NoLockTimeoutWaitsUntilTheContextEnds(t *testing.T) {
	t.Parallel()
	url := testdb.MySQLURL(t)
	db, other := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	conn, err := other.Conn(t.Context()) // another process's migration
	require.NoError(t, err)
	defer conn.Close()
	var got int
	require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT GET_LOCK(CONCAT('slipway.migrate:', SHA1(DATABASE())), 0)").Scan(&got))
	require.Equal(t, 1, got)

	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	_, err = schema.NewMigrator(db, schema.WithLockTimeout(0), (*ownerV1)(nil)).Migrate(ctx, schema.MigrateOptions{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, schema.ErrLockTimeout, "no lock timeout was set")
	assert.ErrorContains(t, err, "migration lock")
	assert.False(t, tableExists(t, db, "owners"))

	// The other migrator finishes while this one waits.
	done := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		var released int
		done <- conn.QueryRowContext(context.Background(), "SELECT RELEASE_LOCK(CONCAT('slipway.migrate:', SHA1(DATABASE())))").Scan(&released)
	}()
	_, err = schema.NewMigrator(db, schema.WithLockTimeout(0), (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	require.NoError(t, <-done)
	assert.True(t, tableExists(t, db, "owners"))
}

func TestMySQL_CatalogQueriesAreThreeWhateverTheTables(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	many := benchModels(40)
	mustMigrate(t, db, many...)
	log := &queryLog{}
	db = db.WithQueryHook(log)
	for _, models := range [][]any{many[:1], many} {
		log.reset()
		// Without the schema state, whose read is one more query (state_test.go).
		plan, err := schema.NewMigrator(db, append(slices.Clip(models), schema.WithoutSchemaState())...).Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, plan.Changes, "plan:\n%s", plan)
		assert.Equal(t, 3, log.count(), "%d tables", len(models))
	}
}

func TestMySQL_DiscoverQualifiedNamesAndViews(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	mysqlExec(t, db, "CREATE VIEW pet_view AS SELECT id FROM pets")
	var database string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT DATABASE()").Scan(&database))

	pets, err := schema.DiscoverTable(t.Context(), db, database+".pets")
	require.NoError(t, err)
	assert.Equal(t, "", pets.Schema, "the current database is not spelled out")
	require.Len(t, pets.ForeignKeys, 1)
	assert.Equal(t, "", pets.ForeignKeys[0].RefSchema)
	assert.Equal(t, "owners", pets.ForeignKeys[0].RefTable)
	assert.True(t, pets.Column("id").PrimaryKey)

	_, err = schema.DiscoverTable(t.Context(), db, "pet_view")
	assert.ErrorIs(t, err, schema.ErrTableNotFound)
	assert.ErrorContains(t, err, "it is a view")
}

type textUnique struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk"`
	Body          string `bun:"type:text,unique"`
}

type partialIndex struct {
	bun.BaseModel `bun:"table:partials"`
	ID            int64 `bun:",pk"`
	Active        bool
}

func (*partialIndex) Indexes() []schema.Index {
	return []schema.Index{{Name: "partials_active_idx", Columns: []string{"id"}, Where: "active"}}
}

func TestMySQL_RejectsIndexesItCannotBuild(t *testing.T) {
	t.Parallel()
	cfg, err := dburl.Parse("mysql://nobody@127.0.0.1:1/none") // rejecting a model needs no server
	require.NoError(t, err)
	db, err := dburl.Open(cfg)
	require.NoError(t, err)
	defer db.Close()
	tests := []struct {
		name string
		give any
		want []string
	}{
		{name: "unique text", give: (*textUnique)(nil), want: []string{`model "textUnique"`, `index "notes_body_key"`, `column "body" is text`, "varchar(N)"}},
		{name: "partial", give: (*partialIndex)(nil), want: []string{`model "partialIndex"`, `index "partials_active_idx"`, "no partial indexes"}},
		{name: "expression", give: (*member)(nil), want: []string{`model "member"`, `index "members_lower_email_key"`, "generated column"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.NewMigrator(db, tt.give).Plan(t.Context(), schema.MigrateOptions{})
			assertErrorContains(t, err, tt.want...)
			_, err = schema.NewMigrator(db, tt.give).Migrate(t.Context(), schema.MigrateOptions{})
			assertErrorContains(t, err, tt.want...)
		})
	}
}

// MariaDB opens every table of every database for an information_schema
// read it cannot narrow with constants, which costs more the busier the
// server. Each inspection query must stay within the models' databases.
func TestMySQL_InspectionOpensOnlyTheModelsDatabases(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	if !isMariaDB(t, db) {
		t.Skip("EXPLAIN reports the databases an information_schema read opens on MariaDB only")
	}
	var current string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT DATABASE()").Scan(&current))
	other := current + "_x"
	mysqlExec(t, db, "CREATE DATABASE `"+other+"`")
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP DATABASE `"+other+"`") })
	models := []any{(*ownerV1)(nil), (*petFK)(nil), (*jsonDoc)(nil), eventsModelIn(other)}
	mustMigrate(t, db, models...)
	log := &queryLog{}
	db = db.WithQueryHook(log)
	// The inspection's queries, without the schema state's (state_test.go).
	_, err := schema.NewMigrator(db, append(models, schema.WithoutSchemaState())...).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	queries := slices.Clone(log.queries)
	require.Len(t, queries, 3)
	for _, q := range queries {
		rows, err := db.QueryContext(t.Context(), "EXPLAIN "+q)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			dest := make([]any, len(cols))
			for i := range vals {
				dest[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(dest...))
			plan = append(plan, vals[len(vals)-1].String) // Extra
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		assert.NotContains(t, strings.Join(plan, "\n"), "Scanned all databases", q)
		assert.Contains(t, strings.Join(plan, "\n"), "Scanned 1 database", q)
	}
}

// otherDatabaseModel is a model of table "events" in the given database, with
// a foreign key to owners in the connection's own database.
func TestMySQL_ModelInAnotherDatabase(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	var current string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT DATABASE()").Scan(&current))
	other := current + "_x"
	mysqlExec(t, db, "CREATE DATABASE `"+other+"`")
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP DATABASE `"+other+"`") })

	events := eventsModelIn(other)
	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), events).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"CreateTable", "CreateTable", "AddIndex"}, changeList(plan))
	assertActual(t, db, (*ownerV1)(nil), events)
	var tables int
	require.NoError(t, db.QueryRowContext(t.Context(),
		"SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'events'", other).Scan(&tables))
	assert.Equal(t, 1, tables)

	disc, err := schema.DiscoverTable(t.Context(), db, other+".events")
	require.NoError(t, err)
	assert.Equal(t, other, disc.Schema)
	require.Len(t, disc.ForeignKeys, 1)
	assert.Equal(t, "owners", disc.ForeignKeys[0].RefTable)
	assert.Equal(t, "", disc.ForeignKeys[0].RefSchema, "the connection's database")

	plan, err = schema.NewMigrator(db, (*ownerV1)(nil), events).Migrate(t.Context(), schema.MigrateOptions{Models: []string{other + ".events"}, Rebuild: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropTable", "CreateTable", "AddIndex"}, changeList(plan))
	assertActual(t, db, (*ownerV1)(nil), events)
}

// Widening a key that foreign keys use: MySQL refuses to change the type of
// a column a foreign key uses, so the foreign keys are dropped first and
// added again after.

type account32 struct {
	bun.BaseModel `bun:"table:accounts"`
	ID            int32 `bun:",pk,autoincrement"`
}

type entry32 struct {
	bun.BaseModel `bun:"table:entries"`
	ID            int64      `bun:",pk,autoincrement"`
	AccountID     int32      `bun:",notnull"`
	Account       *account32 `bun:"rel:belongs-to,join:account_id=id,on_delete:cascade"`
}

type account64 struct {
	bun.BaseModel `bun:"table:accounts"`
	ID            int64 `bun:",pk,autoincrement"`
}

type entry64 struct {
	bun.BaseModel `bun:"table:entries"`
	ID            int64      `bun:",pk,autoincrement"`
	AccountID     int64      `bun:",notnull"`
	Account       *account64 `bun:"rel:belongs-to,join:account_id=id,on_delete:cascade"`
}

type entry32Of64 struct { // the parent widened, the child not
	bun.BaseModel `bun:"table:entries"`
	ID            int64      `bun:",pk,autoincrement"`
	AccountID     int32      `bun:",notnull"`
	Account       *account64 `bun:"rel:belongs-to,join:account_id=id,on_delete:cascade"`
}

func TestMySQL_WideningAKeyThatForeignKeysUse(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*account32)(nil), (*entry32)(nil))
	insertRows(t, db, &account32{}, &entry32{AccountID: 1}, &entry32{AccountID: 1})

	plan, err := schema.NewMigrator(db, (*account64)(nil), (*entry64)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropForeignKey", "WidenType", "WidenType", "AddForeignKey"}, changeList(plan))
	assert.Equal(t, []string{
		"ALTER TABLE `entries` DROP FOREIGN KEY `entries_account_id_fkey`, ALGORITHM=INPLACE, LOCK=NONE",
		"ALTER TABLE `accounts` MODIFY COLUMN `id` bigint NOT NULL AUTO_INCREMENT, ALGORITHM=COPY",
		"ALTER TABLE `entries` MODIFY COLUMN `account_id` bigint NOT NULL, ADD CONSTRAINT `entries_account_id_fkey` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION, ALGORITHM=COPY",
	}, plan.SQL(), "the foreign key comes back in the child's own ALTER TABLE")
	assert.Equal(t, 2, countRows(t, db, "entries"))
	fks := foreignKeysOf(t, db, "entries")
	require.Len(t, fks, 1)
	assert.Equal(t, "CASCADE", fks[0].OnDelete)
	assertActual(t, db, (*account64)(nil), (*entry64)(nil))
	_, err = db.NewDelete().Table("accounts").Where("id = 1").Exec(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 0, countRows(t, db, "entries"), "the foreign key works again")
}

func TestMySQL_WideningAKeyRefusedWhenTheForeignKeyCannotFollow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want []any
		err  []string
	}{
		{
			name: "the referencing table is not migrated",
			want: []any{(*account64)(nil)},
			err:  []string{`table "accounts"`, `column "id"`, `foreign key "entries_account_id_fkey" of table "entries" uses it`, "add its model to Models"},
		},
		{
			name: "the referencing column keeps its type",
			want: []any{(*account64)(nil), (*entry32Of64)(nil)},
			err:  []string{`table "accounts"`, `would join int column "account_id" to bigint column "id"`, "same type"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, testdb.MySQL)
			mustMigrate(t, db, (*account32)(nil), (*entry32)(nil))
			log := &queryLog{}
			db = db.WithQueryHook(log)
			_, err := schema.NewMigrator(db, tt.want...).Migrate(t.Context(), schema.MigrateOptions{})
			var refused *schema.RefusedError
			require.ErrorAs(t, err, &refused)
			assertErrorContains(t, err, tt.err...)
			assert.Empty(t, log.ddl(), "refused before any DDL")
			assert.Len(t, foreignKeysOf(t, db, "entries"), 1)
		})
	}
}

type node32 struct {
	bun.BaseModel `bun:"table:nodes"`
	ID            int32   `bun:",pk,autoincrement"`
	ParentID      *int32  ``
	Parent        *node32 `bun:"rel:belongs-to,join:parent_id=id"`
}

type node64 struct {
	bun.BaseModel `bun:"table:nodes"`
	ID            int64   `bun:",pk,autoincrement"`
	ParentID      *int64  ``
	Parent        *node64 `bun:"rel:belongs-to,join:parent_id=id"`
}

func TestMySQL_WideningASelfReferencingKey(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*node32)(nil))
	insertRows(t, db, &node32{}, &node32{ParentID: ptr[int32](1)})
	plan, err := schema.NewMigrator(db, (*node64)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropForeignKey", "WidenType", "WidenType", "AddForeignKey"}, changeList(plan))
	assert.Len(t, plan.SQL(), 3, "drop, alter, add: MySQL checks a self reference against the table as it was")
	assert.Len(t, foreignKeysOf(t, db, "nodes"), 1)
	assertActual(t, db, (*node64)(nil))
}

type entry64BadColumn struct {
	bun.BaseModel `bun:"table:entries"`
	ID            int64      `bun:",pk,autoincrement"`
	AccountID     int64      `bun:",notnull"`
	Account       *account64 `bun:"rel:belongs-to,join:account_id=id,on_delete:cascade"`
	Note          string     `bun:",default:no_such_function_xyz()"`
}

// A run that fails after the foreign key was dropped leaves it missing; the
// next run adds it again.
func TestMySQL_WideningAKeyConvergesAfterAFailure(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*account32)(nil), (*entry32)(nil))
	insertRows(t, db, &account32{}, &entry32{AccountID: 1})

	_, err := schema.NewMigrator(db, (*account64)(nil), (*entry64BadColumn)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	var applyErr *schema.ApplyError
	require.ErrorAs(t, err, &applyErr)
	assert.Equal(t, "entries", applyErr.Table)
	assert.Empty(t, foreignKeysOf(t, db, "entries"), "dropped before the failure")

	plan, err := schema.NewMigrator(db, (*account64)(nil), (*entry64)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType", "AddForeignKey"}, changeList(plan), "accounts is done; entries gets its type and foreign key")
	assert.Len(t, foreignKeysOf(t, db, "entries"), 1)
	assertActual(t, db, (*account64)(nil), (*entry64)(nil))
}

// TestMySQL_DDLWaitsForAMetadataLockNoLongerThanTheLockTimeout: an open
// transaction that read a table holds its metadata lock; an ALTER TABLE
// waits for it (and every later query on the table queues behind the
// ALTER). The migration bounds that wait by its lock timeout, and gives the
// session its own setting back.
func TestMySQL_DDLWaitsForAMetadataLockNoLongerThanTheLockTimeout(t *testing.T) {
	t.Parallel()
	url := testdb.MySQLURL(t)
	db, reader := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	db.SetMaxOpenConns(1) // one session: the one the migration used
	mustMigrate(t, db, (*itemV1)(nil))
	var before int64
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT @@SESSION.lock_wait_timeout").Scan(&before))
	require.Greater(t, before, int64(1))

	tx, err := reader.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	var n int
	require.NoError(t, tx.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(&n))

	_, err = schema.NewMigrator(db, schema.WithLockTimeout(time.Second), (*itemAddNullable)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	require.Error(t, err, "the ALTER TABLE gave up waiting for the reader's metadata lock")
	assert.ErrorContains(t, err, "items")
	assert.ErrorContains(t, err, "Lock wait timeout")
	var after int64
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT @@SESSION.lock_wait_timeout").Scan(&after))
	assert.Equal(t, before, after, "the session's lock_wait_timeout is restored")

	require.NoError(t, tx.Rollback())
	mustMigrate(t, db, (*itemAddNullable)(nil))
	assertActual(t, db, (*itemAddNullable)(nil))
}

type petUniqueDecimalOwner struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64   `bun:",pk"`
	OwnerID       *string `bun:"type:numeric(12,2),unique"`
}

// A foreign key whose column changes type is dropped before the ALTER TABLE
// (MySQL cannot change a column a foreign key uses), and with it the index
// MySQL made for it; when the model drops the key for good and declares a
// unique key on the column, that index is an extra of the table's ALTER
// TABLE too. It is dropped once: twice fails with error 1091.
func TestMySQL_ForeignKeyDroppedForATypeChangeTakesItsIndexOnce(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	insertRows(t, db, &ownerV1{ID: 1}, &petFK{ID: 1, OwnerID: ptr[int64](1)}, &petFK{ID: 2})
	assert.Equal(t, []string{"pets_owner_id_fkey"}, anyIndexOn(t, db, "pets", "owner_id"))

	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*petUniqueDecimalOwner)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err, "plan:\n%s", plan)
	assert.Equal(t, []string{"DropForeignKey", "DropIndex", "ChangeType", "AddUnique"}, changeList(plan))
	assert.Equal(t, []string{
		"ALTER TABLE `pets` DROP FOREIGN KEY `pets_owner_id_fkey`, DROP INDEX `pets_owner_id_fkey`, ALGORITHM=INPLACE, LOCK=NONE",
		"ALTER TABLE `pets` MODIFY COLUMN `owner_id` decimal(12,2) NULL, ADD UNIQUE KEY `pets_owner_id_key` (`owner_id`), ALGORITHM=COPY",
	}, plan.SQL(), "the index goes with the foreign key, and only then")
	assert.Empty(t, foreignKeysOf(t, db, "pets"))
	assert.Equal(t, []string{"pets_owner_id_key"}, anyIndexOn(t, db, "pets", "owner_id"))
	assert.Equal(t, 2, countRows(t, db, "pets"))
	assertActual(t, db, (*ownerV1)(nil), (*petUniqueDecimalOwner)(nil))
}

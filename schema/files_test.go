package schema_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

type shelfV1 struct {
	bun.BaseModel `bun:"table:shelves"`
	ID            int64  `bun:",pk,autoincrement"`
	Title         string `bun:"type:varchar(40),notnull"`
	Qty           int32  `bun:",notnull,default:0"`
	Shelf         *string
	Legacy        *string
}

type shelfOwner struct {
	bun.BaseModel `bun:"table:shelf_owners"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:",notnull"`
}

// shelfV2 changes every kind of thing shelfV1 has: a wider type, a new
// default, NOT NULL, a new column with a foreign key to a new table and an
// index, a unique key; Legacy is no longer declared (withheld).
type shelfV2 struct {
	bun.BaseModel `bun:"table:shelves"`
	ID            int64       `bun:",pk,autoincrement"`
	Title         string      `bun:"type:varchar(60),notnull" slipway:"index"`
	Qty           int64       `bun:",notnull,default:1"`
	Shelf         string      `bun:",notnull,default:'main'" slipway:"unique_index"`
	Note          *string     `bun:"type:varchar(20)"`
	OwnerID       *int64      ``
	Owner         *shelfOwner `bun:"rel:belongs-to,join:owner_id=id"`
}

// runBunFile runs a file written in bun's format as bun's migrate does: the
// statements between "--bun:split" lines one after the other, in a
// transaction for a .tx. file, on one connection otherwise.
func runBunFile(t *testing.T, db *bun.DB, f schema.MigrationFile) error {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	var exec bun.IConn = conn
	var tx bun.Tx
	if strings.Contains(f.Name, ".tx.") {
		tx, err = conn.BeginTx(ctx, &sql.TxOptions{})
		require.NoError(t, err)
		exec = tx
	}
	for _, q := range strings.Split(f.Content, "\n--bun:split\n") {
		if _, err := exec.ExecContext(ctx, q); err != nil {
			if tx.Tx != nil {
				_ = tx.Rollback()
			}
			return err
		}
	}
	if tx.Tx != nil {
		return tx.Commit()
	}
	return nil
}

func bunFiles(t *testing.T, plan *schema.Plan) (up, down schema.MigrationFile) {
	t.Helper()
	files, err := plan.Files(schema.Bun, 20250102150405, "Shelves V2")
	require.NoError(t, err)
	require.Len(t, files, 2)
	for _, f := range files {
		assert.Regexp(t, `^20250102150405_shelves_v2\.(tx\.)?(up|down)\.sql$`, f.Name, "bun takes lower case names only")
	}
	return files[0], files[1]
}

func TestFiles_UpThenDownRestoresTheDatabase(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		mustMigrate(t, db, (*shelfV1)(nil))
		insertRows(t, db, &shelfV1{Title: "a", Shelf: ptr("main")}, &shelfV1{Title: "b", Shelf: ptr("top"), Legacy: ptr("x")})

		v2 := []any{(*shelfOwner)(nil), (*shelfV2)(nil)}
		plan, err := schema.NewMigrator(db, v2...).Plan(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		require.Len(t, plan.Withheld(), 1, "the dropped column is withheld:\n%s", plan)
		up, down := bunFiles(t, plan)

		require.NoError(t, runBunFile(t, db, up), up.Content)
		assertActual(t, db, v2...)
		assert.Equal(t, 2, countRows(t, db, "shelves"))

		require.NoError(t, runBunFile(t, db, down), down.Content)
		again, err := schema.NewMigrator(db, (*shelfV1)(nil)).Plan(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, again.Changes, "the down restores the database as it was:\n%s\n%s", again, down.Content)
		assert.False(t, tableExists(t, db, "shelf_owners"))
		assert.Equal(t, 2, countRows(t, db, "shelves"))
	})
}

func TestFiles_DownOfNewTablesDropsThem(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		v2 := []any{(*shelfOwner)(nil), (*shelfV2)(nil)}
		plan, err := schema.NewMigrator(db, v2...).Plan(context.Background(), schema.MigrateOptions{})
		require.NoError(t, err)
		up, down := bunFiles(t, plan)
		require.NoError(t, runBunFile(t, db, up), up.Content)
		assertActual(t, db, v2...)
		require.NoError(t, runBunFile(t, db, down), down.Content)
		assert.False(t, tableExists(t, db, "shelves"))
		assert.False(t, tableExists(t, db, "shelf_owners"))
	})
}

func TestFiles_DownOfADroppedColumnFails(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*shelfV1)(nil))
		plan, err := schema.NewMigrator(db, (*shelfOwner)(nil), (*shelfV2)(nil)).Plan(context.Background(), schema.MigrateOptions{AllowDataLoss: true})
		require.NoError(t, err)
		up, down := bunFiles(t, plan)
		assert.Contains(t, down.Content, "-- This migration cannot be undone:\n--   it drops column shelves.legacy and the data in it.\n")
		require.NoError(t, runBunFile(t, db, up), up.Content)
		err = runBunFile(t, db, down)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "slipway: irreversible migration (read the down file)")
	})
}

func TestFiles_Formats(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	mustMigrate(t, db, (*shelfV1)(nil))
	plan, err := schema.NewMigrator(db, (*shelfOwner)(nil), (*shelfV2)(nil)).Plan(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	tests := []struct {
		give      schema.Format
		wantNames []string
		wantIn    []string
	}{
		{give: schema.Goose, wantNames: []string{"7_add_owner.sql"},
			wantIn: []string{"-- +goose NO TRANSACTION\n", "\n-- +goose Up\nPRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;\n", "\n-- +goose Down\n", "-- +goose StatementBegin\nCREATE TEMP TRIGGER"}},
		{give: schema.GolangMigrate, wantNames: []string{"7_add_owner.up.sql", "7_add_owner.down.sql"},
			wantIn: []string{"-- Run with x-no-tx-wrap=true in the database URL"}},
		{give: schema.Bun, wantNames: []string{"7_add_owner.up.sql", "7_add_owner.down.sql"},
			wantIn: []string{"-- Not a .tx file", "PRAGMA foreign_keys = OFF;\n\n--bun:split\n\nBEGIN IMMEDIATE;\n"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.give), func(t *testing.T) {
			files, err := plan.Files(tt.give, 7, "Add owner!")
			require.NoError(t, err)
			var names []string
			for _, f := range files {
				names = append(names, f.Name)
				assert.Equal(t, int64(7), f.Version)
			}
			assert.Equal(t, tt.wantNames, names)
			for _, want := range tt.wantIn {
				assert.Contains(t, files[0].Content, want)
			}
		})
	}
	_, err = plan.Files("flyway", 1, "x")
	assert.EqualError(t, err, `schema: write plan: unknown format "flyway" (want goose, golang-migrate, bun)`)
}

func TestWriteFiles_VersionsAfterTheFilesInTheDirectory(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	plan, err := schema.NewMigrator(db, (*shelfV1)(nil)).Plan(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	dir := t.TempDir()
	future := time.Now().UTC().Add(48 * time.Hour).Format("20060102150405")
	require.NoError(t, os.WriteFile(filepath.Join(dir, future+"_later.sql"), nil, 0o644))
	paths, err := plan.WriteFiles(dir, schema.Goose, "shelves")
	require.NoError(t, err)
	require.Len(t, paths, 1)
	assert.Regexp(t, regexp.MustCompile(`/\d{14}_shelves\.sql$`), paths[0])
	assert.Greater(t, filepath.Base(paths[0]), future+"_")

	empty, err := schema.NewMigrator(db).Plan(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	paths, err = empty.WriteFiles(dir, schema.Goose, "nothing")
	require.NoError(t, err)
	assert.Empty(t, paths, "nothing to write")
}

type todoReviewed struct {
	bun.BaseModel `bun:"table:todos" slipway:"was:tasks"`
	ID            int64  `bun:",pk"`
	Title         string `bun:"type:varchar(60),notnull" slipway:"was:name,index,comment:'shown in the list'"`
	Done          bool   `bun:",notnull,default:false"`
	Priority      int64  `bun:",notnull,default:0" slipway:"check:'priority >= 0'"`
}

type noteOfReviewed struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64         `bun:",pk"`
	TaskID        int64         `bun:",notnull"`
	Task          *todoReviewed `bun:"rel:belongs-to,join:task_id=id,on_delete:cascade"`
}

// A migration file renaming a table and a column, adding a check and a
// comment: the up keeps the rows and the references, the down renames back
// and leaves the database exactly as it was.
func TestFiles_DownUndoesRenames(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		v1 := []any{(*taskV1)(nil), (*noteOfTask)(nil)}
		mustMigrate(t, db, v1...)
		insertRows(t, db, &taskV1{ID: 1, Name: "milk"}, &noteOfTask{ID: 1, TaskID: 1})

		v2 := []any{(*todoReviewed)(nil), (*noteOfReviewed)(nil)}
		plan, err := schema.NewMigrator(db, v2...).Plan(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		up, down := bunFiles(t, plan)
		assert.Contains(t, down.Content, "RENAME", "the down renames back")

		require.NoError(t, runBunFile(t, db, up), up.Content)
		assertActual(t, db, v2...)
		assert.Equal(t, []string{"milk"}, titles(t, db, "SELECT title FROM todos"))

		require.NoError(t, runBunFile(t, db, down), down.Content)
		again, err := schema.NewMigrator(db, v1...).Plan(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, again.Changes, "the down restores the database as it was:\n%s\n%s", again, down.Content)
		assert.Equal(t, []string{"milk"}, titles(t, db, "SELECT name FROM tasks"))
		assert.Empty(t, commentOf(t, db, "tasks", "name"), "the comment is gone again")
		assert.Empty(t, checksOf(t, db, "tasks"))
		assert.Equal(t, 1, countRows(t, db, "notes"))
		assert.False(t, tableExists(t, db, "todos"))
	})
}

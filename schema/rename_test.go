package schema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// Declared renames: slipway:"was:old_name" on a field renames the column,
// on bun.BaseModel the table. The data stays.

type taskV1 struct {
	bun.BaseModel `bun:"table:tasks"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull" slipway:"index"`
	Done          bool   `bun:",notnull,default:false"`
}

type taskRenamedColumn struct {
	bun.BaseModel `bun:"table:tasks"`
	ID            int64  `bun:",pk"`
	Title         string `bun:"type:varchar(60),notnull" slipway:"was:name,index"`
	Done          bool   `bun:",notnull,default:false"`
}

type todoRenamed struct {
	bun.BaseModel `bun:"table:todos" slipway:"was:tasks"`
	ID            int64  `bun:",pk"`
	Title         string `bun:"type:varchar(60),notnull" slipway:"was:name,index"`
	Done          bool   `bun:",notnull,default:false"`
}

type noteOfTask struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64   `bun:",pk"`
	TaskID        int64   `bun:",notnull"`
	Task          *taskV1 `bun:"rel:belongs-to,join:task_id=id,on_delete:cascade"`
}

type noteOfTodo struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64        `bun:",pk"`
	TaskID        int64        `bun:",notnull"`
	Task          *todoRenamed `bun:"rel:belongs-to,join:task_id=id,on_delete:cascade"`
}

func titles(t *testing.T, db *bun.DB, query string) []string {
	t.Helper()
	var out []string
	require.NoError(t, db.NewRaw(query).Scan(t.Context(), &out))
	return out
}

// A renamed field renames its column, with the values in it, then widens
// it; the index on it follows; a second run finds nothing to do.
func TestMigrate_RenamedColumnKeepsItsValues(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*taskV1)(nil))
		insertRows(t, db, &taskV1{ID: 1, Name: "milk"}, &taskV1{ID: 2, Name: "bread", Done: true})

		m := schema.NewMigrator(db, (*taskRenamedColumn)(nil))
		plan, err := m.Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Contains(t, plan.String(), "~ column tasks.name -> title (renamed)")
		assert.Contains(t, strings.ToUpper(plan.SQL()[0]), "RENAME COLUMN")

		plan, err = m.Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"RenameColumn", "WidenType"}, changeList(plan), "plan:\n%s", plan)
		assert.Equal(t, []string{"id", "title", "done"}, columnNames(t, db, "tasks"))
		assert.Equal(t, 60, columnOf(t, db, "tasks", "title").Length)
		assert.Equal(t, []string{"milk", "bread"}, titles(t, db, "SELECT title FROM tasks ORDER BY id"))
		assert.True(t, hasIndexOn(t, db, "tasks", false, "title"), "the index follows the column")
		assertActual(t, db, (*taskRenamedColumn)(nil))
	})
}

// A renamed model renames its table; the foreign keys that reference it
// follow; its column renames and other changes apply too.
func TestMigrate_RenamedTableKeepsItsRowsAndReferences(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*taskV1)(nil), (*noteOfTask)(nil))
		insertRows(t, db, &taskV1{ID: 1, Name: "milk"}, &noteOfTask{ID: 1, TaskID: 1})

		plan, err := schema.NewMigrator(db, (*todoRenamed)(nil), (*noteOfTodo)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"RenameTable", "RenameColumn", "WidenType"}, changeList(plan), "plan:\n%s", plan)
		assert.Contains(t, plan.String(), "~ table tasks -> todos (renamed)")
		assert.False(t, tableExists(t, db, "tasks"))
		assert.Equal(t, []string{"milk"}, titles(t, db, "SELECT title FROM todos"))
		fks := foreignKeysOf(t, db, "notes")
		require.Len(t, fks, 1)
		assert.Equal(t, "todos", fks[0].RefTable)
		assertActual(t, db, (*todoRenamed)(nil), (*noteOfTodo)(nil))
	})
}

type todoPlain struct {
	bun.BaseModel `bun:"table:todos"`
	ID            int64 `bun:",pk"`
}

type taskBoth struct {
	bun.BaseModel `bun:"table:tasks"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull"`
	Title         string `bun:"type:varchar(60)"`
}

// A rename whose old and new names both exist is refused before any DDL:
// which one to keep is the user's call.
func TestMigrate_RenameWithBothNamesPresentIsRefused(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*taskBoth)(nil))
		_, err := schema.NewMigrator(db, (*taskRenamedColumn)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		var refused *schema.RefusedError
		require.True(t, errors.As(err, &refused), "%v", err)
		assert.ErrorContains(t, err, `table "tasks": columns "title" and "name" both exist, and model "taskRenamedColumn" says "title" was "name"`)
		assert.Equal(t, []string{"id", "name", "title"}, columnNames(t, db, "tasks"), "nothing applied")

		mustMigrate(t, db, (*todoPlain)(nil))
		_, err = schema.NewMigrator(db, (*todoRenamed)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.True(t, errors.As(err, &refused), "%v", err)
		assert.ErrorContains(t, err, `tables "todos" and "tasks" both exist`)
	})
}

type taskRenamedRequired struct {
	bun.BaseModel `bun:"table:tasks"`
	ID            int64  `bun:",pk"`
	Title         string `bun:"type:varchar(60),notnull" slipway:"was:name,index"`
	Done          bool   `bun:",notnull,default:false"`
	Note          string `bun:"type:varchar(20),notnull,default:'-'"`
}

type taskWithNote struct {
	bun.BaseModel `bun:"table:tasks"`
	ID            int64   `bun:",pk"`
	Name          string  `bun:"type:varchar(40),notnull" slipway:"index"`
	Done          bool    `bun:",notnull,default:false"`
	Note          *string `bun:"type:varchar(20),default:'-'"`
}

// Renaming a column and making another NOT NULL: SQLite rebuilds the table
// after the rename, and the statements it carries over (the index) name the
// column as it is now.
func TestMigrate_RenameAndRebuildInOnePlan(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*taskWithNote)(nil))
		insertRows(t, db, &taskWithNote{ID: 1, Name: "milk", Note: ptr("n")})

		plan, err := schema.NewMigrator(db, (*taskRenamedRequired)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"RenameColumn", "WidenType", "SetNotNull"}, changeList(plan), "plan:\n%s", plan)
		assert.Equal(t, []string{"milk"}, titles(t, db, "SELECT title FROM tasks"))
		assert.True(t, hasIndexOn(t, db, "tasks", false, "title"))
		assertActual(t, db, (*taskRenamedRequired)(nil))
	})
}

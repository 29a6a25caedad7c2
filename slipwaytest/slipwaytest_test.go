package slipwaytest_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
	"github.com/slipwaygo/slipway/slipwaytest"
)

type Note struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk,autoincrement"`
	Title         string `bun:",notnull"`
}

// NotesApp seeds a welcome note in its MigrateSchema override.
type NotesApp struct {
	*app.App
	notes *repository.Repository[Note]
}

func NewNotesApp() *NotesApp {
	n := &NotesApp{}
	n.App = app.New(
		app.WithLogger(slog.New(slog.DiscardHandler)),
		boot.DefaultDataSource("sqlite:notes.db"),
		boot.Repository[Note]("db"),
	)
	return n
}

func (n *NotesApp) MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error {
	if err := n.App.MigrateSchema(ctx, opts); err != nil {
		return err
	}
	n.notes = slipwaytestRepo(n)
	_, err := n.notes.FindOne(ctx, &repository.Filter{Where: repository.Where{"title": "welcome"}})
	if errors.Is(err, repository.ErrNotFound) {
		return n.notes.Create(ctx, &Note{Title: "welcome"})
	}
	return err
}

func slipwaytestRepo(n *NotesApp) *repository.Repository[Note] {
	for _, r := range n.Registry().Repositories() {
		if typed, ok := r.(*repository.Repository[Note]); ok {
			return typed
		}
	}
	return nil
}

// The server tests take their server from the repository's own test DSNs.
func serverURL(t *testing.T, d testdb.Dialect) {
	env := map[testdb.Dialect]string{testdb.Postgres: testdb.PostgresEnv, testdb.MySQL: testdb.MySQLEnv}[d]
	if d == testdb.SQLite {
		t.Setenv(slipwaytest.DatabaseEnv, "")
		return
	}
	raw := os.Getenv(env)
	if raw == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set (required when CI=true)", env)
		}
		t.Skipf("%s not set: skipping %s test", env, d)
	}
	t.Setenv(slipwaytest.DatabaseEnv, raw)
}

func TestStart_FreshDatabaseMigratedAndSeeded(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			serverURL(t, d)
			a := NewNotesApp()
			slipwaytest.Start(t, a)

			notes := slipwaytest.Repository[Note](t, a)
			all, err := notes.Find(t.Context(), nil)
			require.NoError(t, err)
			require.Len(t, all, 1, "the override seeded the fresh database")
			assert.Equal(t, "welcome", all[0].Title)
			assert.NotEqual(t, "sqlite:notes.db", a.Registry().Repositories()[0].DataSource().URL(), "not the application's own database")
		})
	}
}

func TestDatabaseURL_EachTestItsOwn(t *testing.T) {
	t.Setenv(slipwaytest.DatabaseEnv, "")
	a, b := slipwaytest.DatabaseURL(t), slipwaytest.DatabaseURL(t)
	assert.NotEqual(t, a, b)
}

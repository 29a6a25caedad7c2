// Package production holds the snippets of docs/production.md.
package production

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/extra/bunotel"
	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	_ "github.com/slipwaygo/slipway/driver/postgres" // postgres:// URLs; nothing else is linked
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
	"github.com/slipwaygo/slipway/slipwaytest"
	"github.com/slipwaygo/slipway/tracing"
)

type Todo struct {
	bun.BaseModel `bun:"table:todos"`
	ID            int64  `bun:",pk,autoincrement"`
	Title         string `bun:",notnull"`
}

type auditHook struct{}

func (auditHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (auditHook) AfterQuery(context.Context, *bun.QueryEvent)                        {}

func options() fx.Option {
	return fx.Options(
		boot.DefaultDataSource("postgres://app@db.internal:5432/app",
			repository.WithPool(repository.Pool{MaxOpenConns: 20, MaxIdleConns: 5, ConnMaxLifetime: time.Hour}),
			repository.WithConnectTimeout(3*time.Second),    // default 5 s
			repository.WithStatementTimeout(30*time.Second), // off by default
			repository.WithQueryHook(auditHook{}),           // any bun.QueryHook
			tracing.Spans(bunotel.WithDBName("app")),        // OpenTelemetry, through bunotel
		),
		boot.Repository[Todo]("db"),
	)
}

func plainFx(registerRoutes func()) *fx.App {
	return fx.New(
		boot.Module, // the registry; pings on start, closes on stop
		app.MigrationModule(schema.MigrateOptions{}),
		boot.DefaultDataSource("postgres://app@db.internal:5432/app"),
		boot.Repository[Todo]("db"),
		fx.Invoke(registerRoutes), // its OnStart hooks run after the migration
	)
}

func verbose() {
	_ = os.Setenv(boot.VerboseSQLEnv, "1") // SLIPWAY_VERBOSE_SQL=1 go run ./cmd/server
	_ = repository.WithVerboseSQL(slog.Default())
}

func NewApp() *app.App {
	return app.New(options())
}

func TestTodos(t *testing.T) {
	a := NewApp()
	slipwaytest.Start(t, a) // a fresh database, migrated; stopped and dropped after the test
	todos := slipwaytest.Repository[Todo](t, a)
	if err := todos.Create(t.Context(), &Todo{Title: "milk"}); err != nil {
		t.Fatal(err)
	}
}

var _ = []any{plainFx, verbose, TestTodos}

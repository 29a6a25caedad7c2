// Package slipwaytest runs a Slipway application in a test on a fresh,
// throwaway database, as fxtest does for fx applications and LoopBack's
// testlab does for LoopBack's:
//
//	func TestNotes(t *testing.T) {
//		a := notes.NewApp()      // reads DATABASE_URL when it boots
//		slipwaytest.Start(t, a)  // fresh database, migrated (hooks too), started; stopped and dropped at the end
//		repo := slipwaytest.Repository[notes.Note](t, a.App)
//		...
//	}
//
// # Which database
//
// By default each test gets a new SQLite file in t.TempDir(). The package
// links all three drivers (driver/postgres, driver/mysql, driver/sqlite),
// so that a test runs against any of them whichever the application itself
// imports; a test binary's size does not matter. When DatabaseEnv (SLIPWAY_TEST_DATABASE_URL) holds a
// postgres:// or mysql:// URL of a server where that user may create
// databases, each test gets a new database there instead, dropped when the
// test ends: run the same tests against the server you deploy on.
//
// Start points the application's default datasource at that database by
// setting DATABASE_URL for the test (see boot.DefaultDataSource), so a test
// that calls it cannot run in parallel (t.Setenv forbids it). For parallel
// tests, build the application with boot.DataSource("db", DatabaseURL(t))
// and call Migrate or Start on it: DatabaseURL is safe in parallel tests.
package slipwaytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/slipwaygo/slipway/driver/mysql" // tests may run on any database, whichever the application links
	_ "github.com/slipwaygo/slipway/driver/postgres"
	_ "github.com/slipwaygo/slipway/driver/sqlite"

	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

// DatabaseEnv names a PostgreSQL or MySQL server to create each test's
// database on, as a URL (postgres://user:pass@host/db, mysql://...); unset,
// tests use SQLite files.
const DatabaseEnv = "SLIPWAY_TEST_DATABASE_URL"

// Application is what Start and Migrate drive: *app.App, or an application
// that embeds it, so that its MigrateSchema override (seeding) runs.
type Application interface {
	Boot(ctx context.Context) error
	MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Registry() *boot.Registry
}

// timeout bounds each step Start, Migrate and the clean-up take.
const timeout = time.Minute

// DatabaseURL creates a fresh, empty database for the test and returns its
// URL; the database is dropped (the SQLite file removed) when the test
// ends. See the package documentation for which database. It fails the
// test, naming the server without its password, when the server cannot be
// reached or refuses to create the database.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv(DatabaseEnv)
	if raw == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql" && u.Scheme != "mysql" && u.Scheme != "mariadb") {
		t.Fatalf("slipwaytest: %s: want a postgres:// or mysql:// URL", DatabaseEnv)
	}
	admin, err := repository.Open("slipwaytest", raw)
	if err != nil {
		t.Fatalf("slipwaytest: %s: %v", DatabaseEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := admin.Ping(ctx); err != nil {
		_ = admin.Close()
		t.Fatalf("slipwaytest: %s: %v", DatabaseEnv, err)
	}
	name := databaseName(t)
	quote := `"`
	drop := `DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)` // PostgreSQL 13 and later
	if admin.Dialect() == "mysql" {
		quote, drop = "`", "DROP DATABASE IF EXISTS `"+name+"`"
	}
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+quote+name+quote); err != nil {
		_ = admin.Close()
		t.Fatalf("slipwaytest: create database %q on %s: %v", name, admin.URL(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if _, err := admin.DB().ExecContext(ctx, drop); err != nil {
			t.Errorf("slipwaytest: drop database %q on %s: %v", name, admin.URL(), err)
		}
		_ = admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// databaseName is a database name made from the test's name, unique and
// short enough for every server.
func databaseName(t testing.TB) string {
	base := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "slipwaytest_" + base + "_" + hex.EncodeToString(b[:])
}

// Migrate points the application's default datasource at a fresh database
// (DatabaseURL, through DATABASE_URL), boots the application and migrates
// it, hooks and MigrateSchema override included, without starting it. It
// fails the test on any error; the application is stopped (its
// datasources closed) and the database dropped when the test ends.
func Migrate(t testing.TB, a Application) {
	t.Helper()
	t.Setenv(boot.DatabaseURLEnv, DatabaseURL(t))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := a.Boot(ctx); err != nil {
		t.Fatalf("slipwaytest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("slipwaytest: %v", err)
		}
	})
	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
		t.Fatalf("slipwaytest: %v", err)
	}
}

// Start is Migrate, then starts the application (its servers listen and
// serve); it is stopped when the test ends, before the database is
// dropped.
func Start(t testing.TB, a Application) {
	t.Helper()
	Migrate(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatalf("slipwaytest: %v", err)
	}
}

// Repository returns the booted application's repository of T (the first,
// when several datasources have one). It fails the test when there is
// none, naming T.
func Repository[T any](t testing.TB, a Application) *repository.Repository[T] {
	t.Helper()
	r := a.Registry()
	if r == nil {
		t.Fatalf("slipwaytest: Repository[%T]: the application has not booted (call Start or Migrate first)", *new(T))
	}
	for _, repo := range r.Repositories() {
		if typed, ok := repo.(*repository.Repository[T]); ok {
			return typed
		}
	}
	t.Fatalf("slipwaytest: the application has no repository of %T (register one with boot.Repository)", *new(T))
	return nil
}

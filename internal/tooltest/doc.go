// Package tooltest proves that the migration files Slipway's migrate
// command writes (--write DIR --format goose|golang-migrate|bun) are
// accepted as written by the tools themselves: its tests run each tool's
// Go library — github.com/pressly/goose/v3, github.com/golang-migrate/migrate/v4
// and github.com/uptrace/bun/migrate — on the files, up and down, against
// SQLite and, when their DSNs are set, PostgreSQL and MySQL/MariaDB, and
// check the result with a Slipway Migrator.
//
// It is a module of its own so that those libraries never become
// dependencies of Slipway: run its tests from this directory, as .ci/run
// does.
package tooltest

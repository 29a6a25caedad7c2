// Package driver is the home of Slipway's database drivers, one package
// per database, each imported for its side effect as database/sql drivers
// are:
//
//	import (
//		_ "github.com/slipwaygo/slipway/driver/postgres" // postgres://, postgresql://
//		_ "github.com/slipwaygo/slipway/driver/mysql"    // mysql://, mariadb://
//		_ "github.com/slipwaygo/slipway/driver/sqlite"   // sqlite:, file:
//	)
//
// A service links only the drivers it imports: a PostgreSQL-only service
// does not compile SQLite. Opening a URL whose database has no driver
// fails, without I/O, with an error that names the import to add:
//
//	repository: datasource "db": database URL "sqlite:app.db" is SQLite, and no SQLite driver is linked into this program (add import _ "github.com/slipwaygo/slipway/driver/sqlite")
package driver

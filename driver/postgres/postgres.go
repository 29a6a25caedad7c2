// Package postgres links the PostgreSQL driver (pgx) into a program, for
// postgres:// and postgresql:// database URLs. Import it for its side
// effect, as database/sql drivers are imported:
//
//	import _ "github.com/slipwaygo/slipway/driver/postgres"
//
// A program that opens a PostgreSQL URL without it gets an error naming
// this import. Connecting gives up after dburl's default connect timeout
// (5 s) unless the URL sets connect_timeout= or the datasource sets
// repository.WithConnectTimeout.
package postgres

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun/dialect/pgdialect"
	bunschema "github.com/uptrace/bun/schema"

	"github.com/slipwaygo/slipway/internal/dburl"
)

func init() {
	dburl.Register(dburl.Postgres, dburl.Driver{
		Import:   "github.com/slipwaygo/slipway/driver/postgres",
		Open:     open,
		Classify: classify,
	})
}

func open(cfg dburl.Config) (*sql.DB, bunschema.Dialect, error) {
	pc, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		// pgx's parse errors quote the connection string: keep only why.
		msg := err.Error()
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			msg = msg[i+3:]
		}
		return nil, nil, fmt.Errorf("parse URL: %s", msg)
	}
	if !cfg.URLConnectTimeout {
		pc.ConnectTimeout = cfg.ConnectTimeout
		if pc.ConnectTimeout <= 0 {
			pc.ConnectTimeout = dburl.DefaultConnectTimeout
		}
	}
	if cfg.StatementTimeout > 0 {
		pc.RuntimeParams["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
	}
	return stdlib.OpenDB(*pc), pgdialect.New(), nil
}

func classify(err error) dburl.Refusal {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return dburl.PostgresRefusal(pe.Code)
	}
	return ""
}

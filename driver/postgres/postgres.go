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
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

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
	return sql.OpenDB(&connector{Connector: stdlib.GetConnector(*pc), timeout: pc.ConnectTimeout, host: pc.Host, port: pc.Port}), pgdialect.New(), nil
}

// connector is pgx's connector with its timeout explained: pgx reports a
// server that never answers as "timeout: context deadline exceeded", as if
// the caller had given up.
type connector struct {
	driver.Connector
	timeout time.Duration
	host    string
	port    uint16
}

// Connect opens a connection within the connect timeout.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		addr := net.JoinHostPort(c.host, strconv.Itoa(int(c.port)))
		return nil, &dburl.Explained{Msg: fmt.Sprintf("could not connect to %s: no answer within %s (check the host and port in the URL, that the server is up and reachable, or raise ?connect_timeout=)", addr, c.timeout)}
	}
	return conn, err
}

func classify(err error) dburl.Refusal {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return dburl.PostgresRefusal(pe.Code)
	}
	return ""
}

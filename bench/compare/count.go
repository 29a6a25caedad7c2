package main

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
	"sync"
)

// counter records every statement a *sql.DB sends, at the database/sql
// driver level: whatever library sits on top (bun, GORM) and whatever path it
// takes (hooks or not, transactions, dedicated connections), each query,
// exec, BEGIN, COMMIT and ROLLBACK is one statement here.
type counter struct {
	mu  sync.Mutex
	n   int
	ddl []string // CREATE, ALTER, DROP, COMMENT, ... statements
	tag string   // names the counter in traces
}

// traceTo, when set (-trace), receives every statement counted, one a line.
var traceTo io.Writer

func (c *counter) add(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if traceTo != nil {
		fmt.Fprintf(traceTo, "%s: %s\n", c.tag, strings.Join(strings.Fields(query), " "))
	}
	if isDDL(query) {
		c.ddl = append(c.ddl, strings.TrimSpace(query))
	}
}

// take returns the counts since the last take and clears them.
func (c *counter) take() (n int, ddl []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ddl = c.n, c.ddl
	c.n, c.ddl = 0, nil
	return n, ddl
}

// isDDL reports whether a statement changes the schema.
func isDDL(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	word, _, _ := strings.Cut(q, " ")
	switch strings.ToUpper(strings.TrimSpace(word)) {
	case "CREATE", "ALTER", "DROP", "COMMENT", "TRUNCATE", "RENAME":
		return true
	}
	return false
}

// countingConnector wraps a driver.Connector so that every connection it
// opens reports its statements to c.
type countingConnector struct {
	base driver.Connector
	c    *counter
}

var _ driver.Connector = countingConnector{}

func (cc countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := cc.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{conn: conn, c: cc.c}, nil
}

func (cc countingConnector) Driver() driver.Driver { return cc.base.Driver() }

// countingConn forwards every optional interface database/sql looks for, so
// the wrapped driver behaves as it does unwrapped.
type countingConn struct {
	conn driver.Conn
	c    *counter
}

var (
	_ driver.Conn               = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
)

func (cc *countingConn) Prepare(query string) (driver.Stmt, error) {
	return cc.PrepareContext(context.Background(), query)
}

func (cc *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := cc.conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = cc.conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{stmt: st, query: query, conn: cc}, nil
}

func (cc *countingConn) Close() error { return cc.conn.Close() }

func (cc *countingConn) Begin() (driver.Tx, error) {
	return cc.BeginTx(context.Background(), driver.TxOptions{})
}

func (cc *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	cc.c.add("BEGIN")
	var (
		tx  driver.Tx
		err error
	)
	if b, ok := cc.conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		//lint:ignore SA1019 the fallback for drivers without BeginTx
		tx, err = cc.conn.Begin()
	}
	if err != nil {
		return nil, err
	}
	return &countingTx{tx: tx, c: cc.c}, nil
}

func (cc *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cc.conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares instead; the statement counts there
	}
	res, err := e.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		cc.c.add(query)
	}
	return res, err
}

func (cc *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cc.conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		cc.c.add(query)
	}
	return rows, err
}

func (cc *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := cc.conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (cc *countingConn) Ping(ctx context.Context) error {
	if p, ok := cc.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (cc *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := cc.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cc *countingConn) IsValid() bool {
	if v, ok := cc.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

type countingTx struct {
	tx driver.Tx
	c  *counter
}

func (t *countingTx) Commit() error {
	t.c.add("COMMIT")
	return t.tx.Commit()
}

func (t *countingTx) Rollback() error {
	t.c.add("ROLLBACK")
	return t.tx.Rollback()
}

type countingStmt struct {
	stmt  driver.Stmt
	query string
	conn  *countingConn
}

var (
	_ driver.StmtExecContext   = (*countingStmt)(nil)
	_ driver.StmtQueryContext  = (*countingStmt)(nil)
	_ driver.NamedValueChecker = (*countingStmt)(nil)
)

func (s *countingStmt) Close() error  { return s.stmt.Close() }
func (s *countingStmt) NumInput() int { return s.stmt.NumInput() }

// Exec is required by driver.Stmt; database/sql calls it only on drivers
// without StmtExecContext.
func (s *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.conn.c.add(s.query)
	//lint:ignore SA1019 forwarding the method driver.Stmt requires
	return s.stmt.Exec(args)
}

// Query is required by driver.Stmt; database/sql calls it only on drivers
// without StmtQueryContext.
func (s *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.conn.c.add(s.query)
	//lint:ignore SA1019 forwarding the method driver.Stmt requires
	return s.stmt.Query(args)
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.stmt.(driver.StmtExecContext)
	if !ok {
		values, err := namedToValues(args)
		if err != nil {
			return nil, err
		}
		return s.Exec(values)
	}
	s.conn.c.add(s.query)
	return e.ExecContext(ctx, args)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.stmt.(driver.StmtQueryContext)
	if !ok {
		values, err := namedToValues(args)
		if err != nil {
			return nil, err
		}
		return s.Query(values)
	}
	s.conn.c.add(s.query)
	return q.QueryContext(ctx, args)
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.stmt.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return s.conn.CheckNamedValue(nv)
}

func namedToValues(named []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(named))
	for i, nv := range named {
		if nv.Name != "" {
			return nil, driver.ErrSkip
		}
		values[i] = nv.Value
	}
	return values, nil
}

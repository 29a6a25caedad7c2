package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"

	"github.com/go-sql-driver/mysql"

	"github.com/slipwaygo/slipway/internal/dburl"
)

// connector opens MySQL connections with the driver's connector and
// explains a failure to connect: which address, and why.
//
// The driver logs to stderr ("[mysql] ... unexpected EOF") and returns only
// "invalid connection" when a connection breaks during the handshake. Each
// connection gets a logger of its own instead of the driver's global one
// (mysql.SetLogger would silence the driver for every user in the
// process): it keeps what the driver says while connecting, for the error,
// and drops the rest. The URL's timeout (dburl.DefaultConnectTimeout by default)
// bounds the handshake too, not only the dial.
type connector struct {
	cfg *mysql.Config
}

// Driver returns the MySQL driver.
func (c *connector) Driver() driver.Driver { return &mysql.MySQLDriver{} }

// Connect opens a connection, within the connect timeout.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	cfg := c.cfg.Clone()
	log := &connectLog{}
	cfg.Logger = log
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	cctx := ctx
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}
	conn, err := connector.Connect(cctx)
	log.connected()
	if err != nil {
		return nil, c.explain(ctx, cctx, err, log.cause())
	}
	return conn, nil
}

// explain turns the driver's error for a failed connection into one that
// names the address, says why and what to check. Errors from the server
// (access denied, unknown database) already do and are kept as they are.
func (c *connector) explain(ctx, cctx context.Context, err, cause error) error {
	checkServer := "check the host and port in the URL, and that the server is up"
	checkMySQL := "check that the URL's host and port are a MySQL or MariaDB server"
	if c.cfg.Net == "unix" {
		checkServer = "check the URL's socket, and that the server is up"
		checkMySQL = "check that the URL's socket is a MySQL or MariaDB server's"
	}
	fail := func(why string) error {
		return &dburl.Explained{Msg: "could not connect to " + c.cfg.Addr + ": " + why, Err: err}
	}
	var dial *net.OpError
	switch {
	case ctx.Err() != nil: // the caller gave up: errors.Is finds its reason
		return &dburl.Explained{Msg: "could not connect to " + c.cfg.Addr + ": " + ctx.Err().Error(), Err: errors.Join(ctx.Err(), err)}
	case errors.As(err, &dial) && dial.Op == "dial" && dial.Timeout():
		return fail(fmt.Sprintf("no answer within %s (%s and reachable, or raise ?timeout=)", c.cfg.Timeout, checkServer))
	case errors.As(err, &dial) && dial.Op == "dial":
		return fail(fmt.Sprintf("%v (%s)", dial.Err, checkServer))
	case cctx.Err() != nil:
		// Not the caller's deadline: the error does not wrap
		// context.DeadlineExceeded.
		return &dburl.Explained{Msg: fmt.Sprintf("could not connect to %s: no MySQL handshake within %s (%s, or raise ?timeout=)", c.cfg.Addr, c.cfg.Timeout, checkMySQL)}
	case errors.Is(err, mysql.ErrInvalidConn) && closedByPeer(cause):
		return fail(fmt.Sprintf("the server closed the connection during the MySQL handshake (%v; %s, and that it is up)", cause, checkMySQL))
	case errors.Is(err, mysql.ErrInvalidConn) && cause != nil:
		return fail(fmt.Sprintf("the connection failed during the MySQL handshake: %v (%s)", cause, checkMySQL))
	default:
		return err
	}
}

// closedByPeer reports whether a read failed because the other side
// closed the connection.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// connectLog is the driver's logger for one connection: it keeps the first
// error the driver reports while connecting and drops everything.
type connectLog struct {
	mu    sync.Mutex
	done  bool
	first error
}

var _ mysql.Logger = (*connectLog)(nil)

func (l *connectLog) Print(v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done || l.first != nil || len(v) == 0 {
		return
	}
	for _, a := range v { // the driver puts "file.go:58 " before the error
		if err, ok := a.(error); ok {
			l.first = err
			return
		}
	}
	l.first = errors.New(strings.TrimSpace(fmt.Sprint(v...)))
}

// connected stops keeping what the driver says.
func (l *connectLog) connected() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
}

func (l *connectLog) cause() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

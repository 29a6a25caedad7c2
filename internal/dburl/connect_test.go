package dburl_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwaygo/slipway/internal/dburl"
)

// pingerURL: this test binary, re-executed with it set to a database URL,
// pings that database and prints the error on stdout (see TestMain).
const pingerURL = "SLIPWAY_DBURL_TEST_PINGER_URL"

// ping opens rawURL and pings it, as a test binary re-executed with
// pingerURL does.
func ping(ctx context.Context, rawURL string) error {
	cfg, err := dburl.Parse(rawURL)
	if err != nil {
		return err
	}
	db, err := dburl.Open(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// server listens on a local address and hands each connection it accepts
// to serve, until the test ends.
func server(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return l.Addr().String()
}

// silent accepts connections and never says a word (a proxy whose backend
// is gone, a firewall that accepts): the client waits for a handshake.
func silent(t *testing.T) string {
	t.Helper()
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return server(t, func(c net.Conn) {
		<-done
		_ = c.Close()
	})
}

// hangUp accepts connections and closes them at once (a proxy with no
// backend).
func hangUp(t *testing.T) string {
	t.Helper()
	return server(t, func(c net.Conn) { _ = c.Close() })
}

func TestParseMySQLConnectTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want time.Duration
	}{
		{give: "mysql://u@h/db", want: 5 * time.Second},
		{give: "mysql://u@h/db?parseTime=false", want: 5 * time.Second},
		{give: "mysql://u@h/db?timeout=1s", want: time.Second},
		{give: "mysql://u@h/db?timeout=30s", want: 30 * time.Second},
	}
	for _, tt := range tests {
		cfg, err := dburl.Parse(tt.give)
		require.NoError(t, err, tt.give)
		dsn, err := mysql.ParseDSN(cfg.DSN)
		require.NoError(t, err, tt.give)
		assert.Equal(t, tt.want, dsn.Timeout, tt.give)
	}
}

// A MySQL host that cannot be reached is an error that names the address
// and says why, on one line, within the connect timeout.
func TestMySQLUnreachableHostSaysWhy(t *testing.T) {
	t.Parallel()
	const closed = "127.0.0.1:1" // tcpmux: nobody listens there
	quiet, hangs := silent(t), hangUp(t)
	tests := []struct {
		name, give, want string
	}{
		{name: "closed port", give: "mysql://u@" + closed + "/db", want: "could not connect to " + closed + ": connect: connection refused (check the host and port in the URL, and that the server is up)"},
		{name: "closed port, timeout", give: "mysql://u@" + closed + "/db?timeout=1s", want: "could not connect to " + closed + ": connect: connection refused"},
		// Refused or timed out, depending on the network the test runs in.
		{name: "TEST-NET address", give: "mysql://u@192.0.2.1:3306/db?timeout=1s", want: "could not connect to 192.0.2.1:3306: "},
		{name: "no handshake", give: "mysql://u@" + quiet + "/db?timeout=1s", want: "could not connect to " + quiet + ": no MySQL handshake within 1s (check that the URL's host and port are a MySQL or MariaDB server, or raise ?timeout=)"},
		{name: "hung up", give: "mysql://u@" + hangs + "/db?timeout=1s", want: "could not connect to " + hangs + ": the server closed the connection during the MySQL handshake ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			err := ping(ctx, tt.give)
			require.Error(t, err)
			assert.NoError(t, ctx.Err(), "the connect timeout ended the wait, not the test's deadline")
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "the test's deadline is not what ended it")
		})
	}
}

// When the caller's context ends first, the error says so and wraps the
// context's error.
func TestMySQLConnectEndsWithTheContext(t *testing.T) {
	t.Parallel()
	addr := silent(t)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := ping(ctx, "mysql://u@"+addr+"/db?timeout=10s")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "could not connect to "+addr+": context deadline exceeded", err.Error())
}

// The driver writes nothing to stderr: the error says it all.
func TestMySQLDriverDoesNotLog(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), pingerURL+"=mysql://u@"+hangUp(t)+"/db?timeout=1s", "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run())
	assert.Contains(t, stdout.String(), "the server closed the connection during the MySQL handshake")
	assert.Empty(t, stderr.String())
}

// pingAndPrint is the pinger process: it prints the ping's error.
func pingAndPrint(rawURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	fmt.Println(ping(ctx, rawURL))
}

func TestMySQLMissingSocketSaysSo(t *testing.T) {
	t.Parallel()
	socket := t.TempDir() + "/mysqld.sock"
	err := ping(t.Context(), "mysql://u@localhost/db?socket="+socket)
	require.Error(t, err)
	assert.Equal(t, "could not connect to "+socket+": connect: no such file or directory (check the URL's socket, and that the server is up)", err.Error())
}

package repository_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

// statements is a query hook that keeps every statement it sees.
type statements struct {
	mu  sync.Mutex
	all []string
}

func (s *statements) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (s *statements) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, e.Query)
}

func (s *statements) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.all...)
}

// open opens a datasource with opts on a fresh database of dialect d and
// closes it when the test ends.
func open(t *testing.T, d testdb.Dialect, opts ...repository.Option) *repository.SQL {
	t.Helper()
	ds, err := repository.Open("db", testdb.URL(t, d), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ds.Close() })
	return ds
}

func TestWithQueryHook_SeesEveryStatement(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			hook := &statements{}
			ds := open(t, d, repository.WithQueryHook(hook))
			ds.Attach((*TodoList)(nil))
			_, err := ds.Migrator().Migrate(t.Context(), schema.MigrateOptions{})
			require.NoError(t, err)
			lists, err := repository.New[TodoList](ds)
			require.NoError(t, err)
			require.NoError(t, lists.Create(t.Context(), &TodoList{Title: "home"}))
			_, err = lists.Find(t.Context(), nil)
			require.NoError(t, err)

			seen := strings.Join(hook.seen(), "\n")
			assert.Contains(t, seen, "CREATE TABLE", "the migration's DDL")
			assert.Contains(t, seen, "INSERT INTO", "the repository's insert")
			assert.Contains(t, seen, "SELECT", "the repository's find")
		})
	}
}

func TestWithVerboseSQL_LogsEachStatement(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ds := open(t, testdb.SQLite, repository.WithVerboseSQL(log))
	_, err := ds.DB().ExecContext(t.Context(), "SELECT 42")
	require.NoError(t, err)
	_, err = ds.DB().ExecContext(t.Context(), "SELECT * FROM missing_table")
	require.Error(t, err)

	out := buf.String()
	assert.Contains(t, out, `msg=sql datasource=db query="SELECT 42" took=`)
	assert.Contains(t, out, `query="SELECT * FROM missing_table"`)
	assert.Contains(t, out, `err="SQL logic error: no such table: missing_table`)
}

func TestWithPool_LimitHolds(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ds := open(t, d, repository.WithPool(repository.Pool{MaxOpenConns: 2, MaxIdleConns: 1, ConnMaxLifetime: time.Minute, ConnMaxIdleTime: time.Minute}))
			c1, err := ds.DB().Conn(t.Context())
			require.NoError(t, err)
			c2, err := ds.DB().Conn(t.Context())
			require.NoError(t, err)

			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			_, err = ds.DB().Conn(ctx)
			require.ErrorIs(t, err, context.DeadlineExceeded, "a third connection waits for one of the two")
			stats := ds.DB().Stats()
			assert.Equal(t, 2, stats.MaxOpenConnections)
			assert.Equal(t, 2, stats.OpenConnections)

			require.NoError(t, c1.Close())
			require.NoError(t, c2.Close())
			assert.Equal(t, 1, ds.DB().Stats().Idle, "one idle connection kept")
		})
	}
}

func TestWithPool_RejectsBadValues(t *testing.T) {
	tests := []struct {
		give repository.Option
		url  string
		want string
	}{
		{give: repository.WithPool(repository.Pool{MaxOpenConns: -1}), url: "sqlite:x.db", want: "want no negative value"},
		{give: repository.WithPool(repository.Pool{MaxOpenConns: 4}), url: "sqlite::memory:", want: "a SQLite :memory: database has one connection"},
		{give: repository.WithConnectTimeout(-time.Second), url: "postgres://u:s3cret@h/db", want: "connect timeout -1s"},
		{give: repository.WithStatementTimeout(time.Second), url: "sqlite:x.db", want: "SQLite has no statement timeout"},
	}
	for _, tt := range tests {
		_, err := repository.Open("db", tt.url, tt.give)
		require.Error(t, err, tt.want)
		assert.Contains(t, err.Error(), `repository: datasource "db"`)
		assert.Contains(t, err.Error(), tt.want)
		assert.NotContains(t, err.Error(), "s3cret")
	}
}

// silentServer accepts connections on 127.0.0.1 and never says a word, as
// a host behind a firewall that drops packets after the handshake would.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

func TestWithConnectTimeout_FailsASilentServerInOneLine(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "postgres://app:s3cret@%s/app?sslmode=disable", want: "could not connect to 127.0.0.1:"}, // then the port, and "no answer within 300ms",
		{give: "mysql://app:s3cret@%s/app", want: "no MySQL handshake within 300ms"},
	}
	for _, tt := range tests {
		addr := silentServer(t)
		url := strings.Replace(tt.give, "%s", addr, 1)
		ds, err := repository.Open("db", url, repository.WithConnectTimeout(300*time.Millisecond))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // far beyond the connect timeout
		err = ds.Ping(ctx)
		require.Error(t, err, url)
		assert.NoError(t, ctx.Err(), "the connect timeout fired, not the caller's deadline")
		cancel()
		msg := err.Error()
		assert.Contains(t, msg, "within 300ms")
		assert.Contains(t, msg, `repository: datasource "db"`)
		assert.Contains(t, msg, tt.want)
		assert.NotContains(t, msg, "s3cret")
		assert.NotContains(t, msg, "\n", "one line")
		require.NoError(t, ds.Close())
	}
}

func TestWithConnectTimeout_URLWins(t *testing.T) {
	addr := silentServer(t)
	ds, err := repository.Open("db", "mysql://app@"+addr+"/app?timeout=200ms", repository.WithConnectTimeout(time.Hour))
	require.NoError(t, err)
	defer ds.Close()
	err = ds.Ping(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "within 200ms")
}

func TestWithStatementTimeout_ServerCancelsLongStatements(t *testing.T) {
	tests := []struct {
		dialect testdb.Dialect
		sleep   string
		want    string
	}{
		{dialect: testdb.Postgres, sleep: "SELECT pg_sleep(5)", want: "canceling statement due to statement timeout"},
		{dialect: testdb.MySQL, sleep: "SELECT SLEEP(5) FROM (SELECT 1) AS one", want: "max_statement_time"},
	}
	for _, tt := range tests {
		t.Run(string(tt.dialect), func(t *testing.T) {
			ds := open(t, tt.dialect, repository.WithStatementTimeout(100*time.Millisecond))
			var n int
			err := ds.DB().QueryRowContext(t.Context(), "SELECT 1").Scan(&n)
			require.NoError(t, err, "short statements run")
			var v any
			err = ds.DB().QueryRowContext(t.Context(), tt.sleep).Scan(&v)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDefaultConnectTimeout_FailsASilentPostgresServer(t *testing.T) {
	addr := silentServer(t)
	ds, err := repository.Open("db", "postgres://app@"+addr+"/app?sslmode=disable") // no option, no connect_timeout=
	require.NoError(t, err)
	defer ds.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err = ds.Ping(ctx)
	require.Error(t, err)
	assert.NoError(t, ctx.Err(), "the default connect timeout fired, not the caller's deadline")
	assert.Contains(t, err.Error(), "no answer within 5s")
}

package dburl_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/slipwaygo/slipway/internal/dburl"
)

func openSQLite(t *testing.T, rawURL string) *bun.DB {
	t.Helper()
	cfg, err := dburl.Parse(rawURL)
	require.NoError(t, err)
	db, err := dburl.Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

type sqliteSettings struct {
	JournalMode string
	ForeignKeys int
	BusyTimeout int
}

func settingsOf(t *testing.T, conn *sql.Conn) sqliteSettings {
	t.Helper()
	var s sqliteSettings
	require.NoError(t, conn.QueryRowContext(context.Background(),
		`SELECT j.journal_mode, f.foreign_keys, b.timeout FROM pragma_journal_mode j, pragma_foreign_keys f, pragma_busy_timeout b`).
		Scan(&s.JournalMode, &s.ForeignKeys, &s.BusyTimeout))
	return s
}

// conns holds n connections of the pool at once, so that each is a
// separately opened SQLite connection.
func conns(t *testing.T, db *bun.DB, n int) []*sql.Conn {
	t.Helper()
	out := make([]*sql.Conn, n)
	for i := range out {
		c, err := db.DB.Conn(context.Background())
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		out[i] = c
	}
	return out
}

func TestSQLiteDefaultsTakeEffectOnEveryConnection(t *testing.T) {
	t.Parallel()
	db := openSQLite(t, "sqlite:"+filepath.Join(t.TempDir(), "app.db"))
	for _, c := range conns(t, db, 3) {
		assert.Equal(t, sqliteSettings{JournalMode: "wal", ForeignKeys: 1, BusyTimeout: 5000}, settingsOf(t, c))
	}
}

func TestSQLiteURLSettingsWinOverDefaults(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.db")
	db := openSQLite(t, "file:"+path+"?_pragma=foreign_keys(0)&_pragma=busy_timeout%3D250&_pragma=journal_mode(DELETE)")
	for _, c := range conns(t, db, 2) {
		assert.Equal(t, sqliteSettings{JournalMode: "delete", ForeignKeys: 0, BusyTimeout: 250}, settingsOf(t, c))
	}
}

// With _txlock=immediate a transaction takes the write lock when it
// begins, so two writers never deadlock upgrading read locks.
func TestSQLiteTransactionsBeginImmediate(t *testing.T) {
	t.Parallel()
	db := openSQLite(t, "sqlite:"+filepath.Join(t.TempDir(), "app.db"))
	ctx := context.Background()
	cs := conns(t, db, 2)
	tx, err := cs[0].BeginTx(ctx, nil) // no statement yet
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()

	_, err = cs[1].ExecContext(ctx, "PRAGMA busy_timeout = 0")
	require.NoError(t, err)
	_, err = cs[1].ExecContext(ctx, "BEGIN IMMEDIATE")
	assert.ErrorContains(t, err, "database is locked", "the first transaction already holds the write lock")
}

func TestSQLiteMemoryDatabaseIsOneDatabase(t *testing.T) {
	t.Parallel()
	db := openSQLite(t, "sqlite::memory:")
	ctx := context.Background()
	_, err := db.ExecContext(ctx, "CREATE TABLE notes (id INTEGER PRIMARY KEY)")
	require.NoError(t, err)
	// Each SQLite connection to :memory: is a database of its own: the pool
	// keeps one, so that concurrent users all see the same tables.
	assert.Equal(t, 1, db.Stats().MaxOpenConnections)
	var g errgroup.Group
	for range 8 {
		g.Go(func() error {
			var n int
			return db.QueryRowContext(ctx, "SELECT count(*) FROM notes").Scan(&n)
		})
	}
	assert.NoError(t, g.Wait())
}

func TestParseSQLite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give, wantDSN, wantJournal string
		wantBusy                   time.Duration
	}{
		{give: "sqlite:app.db", wantDSN: "file:app.db?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_txlock=immediate", wantJournal: "WAL", wantBusy: 5 * time.Second},
		{give: "sqlite:///abs/app.db", wantDSN: "file:/abs/app.db?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_txlock=immediate", wantJournal: "WAL", wantBusy: 5 * time.Second},
		{give: "file:app.db?_txlock=deferred", wantDSN: "file:app.db?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_txlock=deferred", wantJournal: "WAL", wantBusy: 5 * time.Second},
		{give: "sqlite:app.db?_pragma=journal_mode(DELETE)&_pragma=busy_timeout(100)", wantDSN: "file:app.db?_pragma=busy_timeout%28100%29&_pragma=foreign_keys%281%29&_txlock=immediate", wantJournal: "DELETE", wantBusy: 100 * time.Millisecond},
		{give: "sqlite:app.db?_pragma=busy_timeout%3D0&_pragma=journal_mode%3Dwal", wantDSN: "file:app.db?_pragma=busy_timeout%3D0&_pragma=foreign_keys%281%29&_txlock=immediate", wantJournal: "wal", wantBusy: 0},
		{give: "sqlite::memory:", wantDSN: "file::memory:?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_txlock=immediate", wantJournal: "", wantBusy: 5 * time.Second},
	}
	for _, tt := range tests {
		cfg, err := dburl.Parse(tt.give)
		require.NoError(t, err, tt.give)
		assert.Equal(t, dburl.SQLite, cfg.Dialect)
		assert.Equal(t, tt.wantDSN, cfg.DSN, tt.give)
		assert.Equal(t, tt.wantJournal, cfg.JournalMode, tt.give)
		assert.Equal(t, tt.wantBusy, cfg.BusyTimeout, tt.give)
	}
}

func TestSQLiteMissingDirectorySaysSo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		give, wantFile, wantDir string
	}{
		{give: "sqlite:" + filepath.Join(dir, "app.db"), wantFile: filepath.Join(dir, "app.db"), wantDir: dir},
		{give: "sqlite://" + filepath.Join(dir, "app.db"), wantFile: filepath.Join(dir, "app.db"), wantDir: dir},
		{give: "file:" + filepath.Join(dir, "app.db") + "?_txlock=deferred", wantFile: filepath.Join(dir, "app.db"), wantDir: dir},
		{give: "sqlite:" + filepath.Join(dir, "deeper", "app.db"), wantFile: filepath.Join(dir, "deeper", "app.db"), wantDir: filepath.Join(dir, "deeper")},
	}
	for _, tt := range tests {
		err := openSQLite(t, tt.give).PingContext(t.Context())
		require.Error(t, err, tt.give)
		assert.Equal(t, `cannot open SQLite database "`+tt.wantFile+`": directory "`+tt.wantDir+`" does not exist (create it first)`, err.Error(), tt.give)
	}
}

func TestSQLiteNotADirectorySaysSo(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	err := openSQLite(t, "sqlite:"+filepath.Join(file, "app.db")).PingContext(t.Context())
	require.Error(t, err)
	assert.Equal(t, `cannot open SQLite database "`+filepath.Join(file, "app.db")+`": "`+file+`" is not a directory`, err.Error())
}

func TestSQLiteUnwritableDirectorySaysSo(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root opens any file")
	}
	dir := filepath.Join(t.TempDir(), "locked")
	require.NoError(t, os.Mkdir(dir, 0o500))
	err := openSQLite(t, "sqlite:"+filepath.Join(dir, "app.db")).PingContext(t.Context())
	require.Error(t, err)
	assert.Equal(t, `cannot open SQLite database "`+filepath.Join(dir, "app.db")+`": SQLite cannot open the file (check that it and directory "`+dir+`" are readable and writable)`, err.Error())
}

func TestParseSQLiteRejectsBadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give, want string
	}{
		{give: "sqlite:x.db?_pragma=busy_timeout(abc)", want: `database URL "sqlite:x.db?_pragma=busy_timeout(abc)": _pragma "busy_timeout(abc)": want a number of milliseconds, 0 or more, such as busy_timeout(5000)`},
		{give: "sqlite:x.db?_pragma=busy_timeout%3D-1", want: `_pragma "busy_timeout=-1": want a number of milliseconds, 0 or more`},
		{give: "sqlite:x.db?_pragma=busy_timeout", want: `_pragma "busy_timeout": want a number of milliseconds, 0 or more`},
		{give: "sqlite:x.db?_pragma=busy_timeout(10", want: `_pragma "busy_timeout(10": want a number of milliseconds, 0 or more`},
		{give: "sqlite:x.db?_pragma=journal_mode(wall)", want: `database URL "sqlite:x.db?_pragma=journal_mode(wall)": _pragma "journal_mode(wall)": want one of delete, truncate, persist, memory, wal, off`},
		{give: "sqlite:x.db?_pragma=journal_mode(WAL)%3BDROP", want: `_pragma "journal_mode(WAL);DROP": want one of delete, truncate, persist, memory, wal, off`},
		{give: "file:x.db?_pragma=foreign_keys(yes please)", want: `_pragma "foreign_keys(yes please)": want on, off, 1, 0, true or false`},
		{give: "sqlite:x.db?_txlock=later", want: `database URL "sqlite:x.db?_txlock=later": _txlock "later": want deferred, immediate or exclusive`},
	}
	for _, tt := range tests {
		_, err := dburl.Parse(tt.give)
		require.Error(t, err, tt.give)
		assert.Contains(t, err.Error(), tt.want, tt.give)
	}
}

func TestParseSQLiteAcceptsEverySpellingSQLiteDoes(t *testing.T) {
	t.Parallel()
	for _, give := range []string{
		"sqlite:x.db?_pragma=busy_timeout(0)&_pragma=journal_mode(delete)&_pragma=foreign_keys(on)",
		"sqlite:x.db?_pragma=busy_timeout%3D250&_pragma=journal_mode%3DTRUNCATE&_pragma=foreign_keys%3DOFF",
		"sqlite:x.db?_pragma=busy_timeout( 10 )&_pragma=journal_mode(Persist)&_pragma=foreign_keys(true)",
		"sqlite:x.db?_pragma=journal_mode(memory)&_pragma=foreign_keys(0)&_txlock=EXCLUSIVE",
		"sqlite:x.db?_pragma=journal_mode(off)&_pragma=foreign_keys(false)&_txlock=deferred",
		"sqlite:x.db?_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-2000)",
	} {
		_, err := dburl.Parse(give)
		assert.NoError(t, err, give)
	}
}

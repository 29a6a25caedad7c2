package dburl_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/slipwaygo/slipway/internal/dburl"
)

// Opener processes: this test binary, re-executed with openerURL set to a
// database URL and openerStart to the Unix time in nanoseconds at which to
// open it, so that all of them open it at once.
const (
	openerURL   = "SLIPWAY_DBURL_TEST_OPENER_URL"
	openerStart = "SLIPWAY_DBURL_TEST_OPENER_START"
)

func TestMain(m *testing.M) {
	if rawURL := os.Getenv(pingerURL); rawURL != "" {
		pingAndPrint(rawURL)
		os.Exit(0)
	}
	if rawURL := os.Getenv(openerURL); rawURL != "" {
		if err := openAndWrite(rawURL, os.Getenv(openerStart)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// openAndWrite is what a replica does on start: open the database, read,
// write.
func openAndWrite(rawURL, start string) error {
	ns, err := strconv.ParseInt(start, 10, 64)
	if err != nil {
		return fmt.Errorf("%s: %w", openerStart, err)
	}
	cfg, err := dburl.Parse(rawURL)
	if err != nil {
		return err
	}
	db, err := dburl.Open(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	time.Sleep(time.Until(time.Unix(0, ns)))
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS replicas (pid INTEGER PRIMARY KEY)"); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO replicas (pid) VALUES (?)", os.Getpid()); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	return nil
}

// Eight processes opening one new SQLite file at once all succeed, and the
// file ends in WAL mode: switching to WAL needs a lock that SQLite does not
// wait for through busy_timeout, so Open retries it.
func TestSQLiteProcessesOpeningOneNewFileAtOnce(t *testing.T) {
	t.Parallel()
	const (
		rounds    = 20
		processes = 8
	)
	for round := range rounds {
		rawURL := "sqlite:" + filepath.Join(t.TempDir(), fmt.Sprintf("round%d.db", round))
		start := strconv.FormatInt(time.Now().Add(150*time.Millisecond).UnixNano(), 10)
		var g errgroup.Group
		for range processes {
			g.Go(func() error {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), openerURL+"="+rawURL, openerStart+"="+start,
					"GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE")) // a race-enabled binary waits a second on exit
				if out, err := cmd.CombinedOutput(); err != nil {
					return fmt.Errorf("round %d: %w: %s", round, err, out)
				}
				return nil
			})
		}
		require.NoError(t, g.Wait())

		db := openSQLite(t, rawURL)
		var mode string
		var n int
		require.NoError(t, db.QueryRowContext(t.Context(), "SELECT j.journal_mode, (SELECT count(*) FROM replicas) FROM pragma_journal_mode j").Scan(&mode, &n))
		assert.Equal(t, "wal", mode, "round %d", round)
		assert.Equal(t, processes, n, "round %d: one row per process", round)
	}
}

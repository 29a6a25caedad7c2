package main

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwaygo/slipway/internal/testdb"
)

// The tests run main in a child process: this test binary, re-executed
// with TODOLIST_CHILD=1.
func TestMain(m *testing.M) {
	if os.Getenv("TODOLIST_CHILD") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func child(t *testing.T, env ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	cmd := exec.Command(os.Args[0])
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), append([]string{"TODOLIST_CHILD=1", "GEOCODER_URL="}, env...)...)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd, stdout, stderr
}

func TestMain_UnreachableDatabase(t *testing.T) {
	t.Parallel()
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	cmd, _, stderr := child(t, "DATABASE_URL=postgres://app:s3cr3t-pass@"+addr+"/todo?sslmode=disable&connect_timeout=2")
	err = cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	out := strings.TrimSpace(stderr.String())
	assert.NotContains(t, out, "s3cr3t-pass")
	assert.Equal(t, 1, strings.Count(out, "\n")+1, "one line: %q", out)
	assert.True(t, strings.HasPrefix(out, "todolist: "), out)
	assert.Contains(t, out, `"db"`)
}

func TestMain_ServesAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, ln.Close())

	db := filepath.Join(t.TempDir(), "todo.db")
	cmd, _, stderr := child(t, "DATABASE_URL=sqlite:"+db, "HOST=127.0.0.1", "PORT="+port)
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "listening") }, 30*time.Second, 20*time.Millisecond)
	assert.Contains(t, stderr.String(), "app: migrated")
	assert.Contains(t, stderr.String(), "target=sqlite:"+db, "the start log names the database")
	assert.Contains(t, stderr.String(), "http://127.0.0.1:"+port)
	resp, err := http.Get("http://127.0.0.1:" + port + "/todos/count")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Eventually(t, func() bool {
		return strings.Contains(stderr.String(), `rest: request method=GET path=/todos/count status=200`)
	}, 5*time.Second, 20*time.Millisecond, "a log line per request")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "exit status 0 after a graceful stop; output:\n%s", stderr.String())
	_, err = os.Stat(db)
	assert.NoError(t, err, "the SQLite file is where DATABASE_URL says")
}

// A port in use fails the start at once, in one line, before any
// migration: the SQLite file is never created.
func TestMain_PortInUseFailsBeforeMigrating(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	db := filepath.Join(t.TempDir(), "todo.db")
	cmd, _, stderr := child(t, "DATABASE_URL=sqlite:"+db, "HOST=127.0.0.1", "PORT="+port)
	err = cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	out := strings.TrimSpace(stderr.String())
	assert.Equal(t, "todolist: app: rest: listen on 127.0.0.1:"+port+": bind: address already in use", out, "one line, once")
	_, err = os.Stat(db)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing was migrated")
}

// The start log names the datasource and where it points, without the
// password.
func TestMain_StartLogNamesTheDatabaseWithoutThePassword(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(testdb.URL(t, testdb.Postgres))
	require.NoError(t, err)
	pass, ok := u.User.Password()
	if !ok { // a server that trusts local connections ignores it
		pass = "s3cr3t-pass"
		u.User = url.UserPassword(u.User.Username(), pass)
	}
	cmd, _, stderr := child(t, "DATABASE_URL="+u.String(), "PORT=0")
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "listening") }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), stderr.String())
	assert.Contains(t, stderr.String(), `datasource=db target="postgres://`+u.User.Username()+":xxxxx@"+u.Host)
	assert.NotContains(t, stderr.String(), pass)
}

func TestMain_DefaultDatabaseIsSQLiteInWorkingDir(t *testing.T) {
	t.Parallel()
	cmd, _, stderr := child(t, "DATABASE_URL=", "PORT=0")
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "listening") }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), stderr.String())
	_, err := os.Stat(filepath.Join(cmd.Dir, "todolist.db"))
	assert.NoError(t, err)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

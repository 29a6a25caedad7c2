package dburl_test

import (
	"context"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unanswered returns a local address whose connection requests go
// unanswered, as for a host behind a firewall that drops them: a listener
// with a backlog of zero that never accepts, its queue filled by one
// connection (Linux then drops further SYNs).
func unanswered(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	f := os.NewFile(uintptr(fd), "unanswered")
	l, err := net.FileListener(f) // dups the descriptor
	require.NoError(t, f.Close())
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second) // fills the queue
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return l.Addr().String()
}

func TestMySQLHostThatDoesNotAnswer(t *testing.T) {
	t.Parallel()
	addr := unanswered(t)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	err := ping(ctx, "mysql://u@"+addr+"/db?timeout=1s")
	require.Error(t, err)
	assert.NoError(t, ctx.Err(), "the connect timeout ended the wait, not the test's deadline")
	assert.Equal(t, "could not connect to "+addr+": no answer within 1s (check the host and port in the URL, and that the server is up and reachable, or raise ?timeout=)", err.Error())
}

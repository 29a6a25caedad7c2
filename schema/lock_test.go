package schema_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// Migrator.Locked is the one lock primitive: callers that hold it run one
// at a time, on every dialect, also when the migrators have no models.
func TestLocked_RunsOneAtATime(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*itemV1)(nil))
		var inside, overlaps atomic.Int32
		var g errgroup.Group
		for i := range 4 {
			g.Go(func() error {
				return schema.NewMigrator(db).Locked(context.Background(), func(ctx context.Context, conn bun.IDB) error {
					if inside.Add(1) > 1 {
						overlaps.Add(1)
					}
					defer inside.Add(-1)
					time.Sleep(50 * time.Millisecond)
					_, err := conn.NewInsert().Model(&itemV1{ID: int64(i + 1), Name: "x"}).Exec(ctx)
					return err
				})
			})
		}
		require.NoError(t, g.Wait())
		assert.Zero(t, overlaps.Load(), "two callers held the lock at once")
		assert.Equal(t, 4, countRows(t, db, "items"))
	})
}

// An error from fn rolls its work back where the database has
// transactional DDL (PostgreSQL, SQLite); on MySQL the lock is held on a
// connection without a transaction, so its statements stay.
func TestLocked_AnErrorRollsBackWhereTheDatabaseCan(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*itemV1)(nil))
		boom := errors.New("boom")
		err := schema.NewMigrator(db).Locked(t.Context(), func(ctx context.Context, conn bun.IDB) error {
			if _, err := conn.NewInsert().Model(&itemV1{ID: 1, Name: "x"}).Exec(ctx); err != nil {
				return err
			}
			return boom
		})
		assert.ErrorIs(t, err, boom)
		want := 0
		if db.Dialect().Name().String() == "mysql" {
			want = 1
		}
		assert.Equal(t, want, countRows(t, db, "items"))
	})
}

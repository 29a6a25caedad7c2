package schema

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// The SQLite stamp (state.go): PRAGMA schema_version of the main database,
// which every schema change increments. Models in attached databases have
// no fast path.

const sqliteStampQuery = `SELECT (SELECT schema_version FROM pragma_schema_version),
	EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '` + stateTable + `')`

func (s sqlite) readState(ctx context.Context, db bun.IDB, keys []tableKey, scope string) (stateRead, error) {
	st := stateRead{}
	for _, k := range keys {
		if k.schema != "" && k.schema != "main" {
			return st, nil // another database's schema_version is another cookie
		}
	}
	var version int64
	if err := db.QueryRowContext(ctx, sqliteStampQuery).Scan(&version, &st.exists); err != nil {
		return st, err
	}
	st.stamp, st.storable = fmt.Sprintf("schema_version %d", version), true
	if !st.exists {
		return st, nil
	}
	err := db.QueryRowContext(ctx, "SELECT coalesce(max(models), ''), coalesce(max(stamp), '') FROM "+stateTable+" WHERE scope = ?", scope).
		Scan(&st.models, &st.kept)
	return st, err
}

// writeState keeps the state; creating the state table changes the
// schema_version, which is read again after.
func (s sqlite) writeState(ctx context.Context, db bun.IDB, st *fastState) error {
	stamp := st.read.stamp
	if !st.read.exists {
		if err := s.createState(ctx, db); err != nil {
			return err
		}
		var version int64
		if err := db.QueryRowContext(ctx, "SELECT schema_version FROM pragma_schema_version").Scan(&version); err != nil {
			return err
		}
		stamp = fmt.Sprintf("schema_version %d", version)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO `+stateTable+` (scope, models, stamp) VALUES (?, ?, ?)
		ON CONFLICT (scope) DO UPDATE SET models = excluded.models, stamp = excluded.stamp, updated_at = CURRENT_TIMESTAMP`,
		st.scope, st.models, stamp)
	return err
}

func (s sqlite) createState(ctx context.Context, db bun.IDB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+stateTable+` (
			scope text PRIMARY KEY, models text NOT NULL, stamp text NOT NULL, updated_at text NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("create %s: %w", stateTable, err)
	}
	return nil
}

package schema

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// The SQLite stamp (state.go): PRAGMA schema_version of the main database,
// which every schema change increments. Models in attached databases have
// no fast path.

const (
	sqliteStateExists = `EXISTS (SELECT 1 FROM pragma_table_info('` + stateTable + `') WHERE name = '` + stateColumn + `'),
	EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '` + stateTable + `')`
	sqliteStampQuery = `SELECT (SELECT schema_version FROM pragma_schema_version), ` + sqliteStateExists
)

func (s sqlite) stampOf(ctx context.Context, db bun.IDB, keys []tableKey) (stateRead, error) {
	st := stateRead{}
	for _, k := range keys {
		if k.schema != "" && k.schema != "main" {
			return st, nil // another database's schema_version is another cookie
		}
	}
	var (
		version int64
		found   bool
	)
	if err := db.QueryRowContext(ctx, sqliteStampQuery).Scan(&version, &st.exists, &found); err != nil {
		return st, err
	}
	st.stamp, st.storable, st.stale = fmt.Sprintf("schema_version %d", version), true, found && !st.exists
	return st, nil
}

func (s sqlite) stateExists(ctx context.Context, db bun.IDB) (bool, error) {
	var exists, found bool
	err := db.QueryRowContext(ctx, "SELECT "+sqliteStateExists).Scan(&exists, &found)
	return exists, err
}

// writeState keeps the state; creating the state table changes the
// schema_version, which is read again after.
func (s sqlite) writeState(ctx context.Context, db bun.IDB, st *fastState) error {
	stamp := st.read.stamp
	if !st.read.exists {
		if err := createState(ctx, db, s, st.read.stale); err != nil {
			return err
		}
		var version int64
		if err := db.QueryRowContext(ctx, "SELECT schema_version FROM pragma_schema_version").Scan(&version); err != nil {
			return err
		}
		stamp = fmt.Sprintf("schema_version %d", version)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO `+stateTable+` (scope, models, stamp, inputs, tables) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (scope) DO UPDATE SET models = excluded.models, stamp = excluded.stamp, inputs = excluded.inputs,
		tables = excluded.tables, updated_at = CURRENT_TIMESTAMP`,
		st.scope, st.models, stamp, st.inputs, st.tables)
	return err
}

func (s sqlite) stateDDL() string {
	return `CREATE TABLE IF NOT EXISTS ` + stateTable + ` (scope text PRIMARY KEY, models text NOT NULL, stamp text NOT NULL,
		inputs text NOT NULL, tables text NOT NULL, updated_at text NOT NULL DEFAULT CURRENT_TIMESTAMP)`
}

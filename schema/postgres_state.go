package schema

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// The PostgreSQL stamp (state.go): a digest of the xmin of every catalog
// row describing the requested tables, computed by the server as sums of
// hashes (no sort, no text), and whether the state table exists in the
// current schema — one query; the kept state is a second one.

const pgStampQuery = `
WITH req AS (
	SELECT DISTINCT coalesce(nullif(r.s, ''), current_schema()) AS nsp, r.t AS rel
	FROM unnest(?::text[], ?::text[]) AS r(s, t)
), rel AS MATERIALIZED (
	SELECT c.oid, c.xmin
	FROM req
	JOIN pg_namespace n ON n.nspname = req.nsp
	JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = req.rel
), stamp AS (
	SELECT 1 AS k, rel.oid, rel.xmin FROM rel
	UNION ALL SELECT 2 + a.attnum, a.attrelid, a.xmin FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0
	UNION ALL SELECT 3, d.oid, d.xmin FROM rel JOIN pg_attrdef d ON d.adrelid = rel.oid
	UNION ALL SELECT 4, con.oid, con.xmin FROM rel JOIN pg_constraint con ON con.conrelid = rel.oid
	UNION ALL SELECT 5, con.oid, con.xmin FROM pg_constraint con
		WHERE con.contype = 'f' AND (con.confrelid IN (SELECT oid FROM rel)) IS TRUE
	UNION ALL SELECT 6, i.indexrelid, i.xmin FROM rel JOIN pg_index i ON i.indrelid = rel.oid
	UNION ALL SELECT 7, ic.oid, ic.xmin FROM rel JOIN pg_index i ON i.indrelid = rel.oid JOIN pg_class ic ON ic.oid = i.indexrelid
	UNION ALL SELECT 8 + ds.objsubid, ds.objoid, ds.xmin FROM rel
		JOIN pg_description ds ON ds.objoid = rel.oid AND ds.classoid = 'pg_class'::regclass
)
SELECT to_regclass(format('%I.%I', current_schema(), '` + stateTable + `')) IS NOT NULL,
	current_schema() || ' ' || count(*) || ' ' || coalesce(sum(hashint8(oid::int8 << 20 | k)::int8 * xmin::text::int8), 0)
	|| ' ' || coalesce(sum(hashint8(xmin::text::int8 << 24 | k)::int8), 0)
FROM stamp`

func (pg postgres) readState(ctx context.Context, db bun.IDB, keys []tableKey, scope string) (stateRead, error) {
	schemas := make([]string, len(keys))
	names := make([]string, len(keys))
	for i, k := range keys {
		schemas[i], names[i] = k.schema, k.name
	}
	st := stateRead{storable: true}
	if err := db.QueryRowContext(ctx, pgStampQuery, pgdialect.Array(schemas), pgdialect.Array(names)).Scan(&st.exists, &st.stamp); err != nil {
		return st, err
	}
	if !st.exists {
		return st, nil
	}
	err := db.QueryRowContext(ctx, "SELECT coalesce(max(models), ''), coalesce(max(stamp), '') FROM "+stateTable+" WHERE scope = ?", scope).
		Scan(&st.models, &st.kept)
	return st, err
}

// writeState keeps the state in a savepoint of the plan's transaction, so
// that a failure (no right to create a table) leaves the transaction
// usable.
func (pg postgres) writeState(ctx context.Context, db bun.IDB, st *fastState) (err error) {
	if _, err := db.ExecContext(ctx, "SAVEPOINT slipway_state"); err != nil {
		return err
	}
	defer func() {
		end := "RELEASE SAVEPOINT slipway_state"
		if err != nil {
			end = "ROLLBACK TO SAVEPOINT slipway_state"
		}
		if _, eerr := db.ExecContext(context.WithoutCancel(ctx), end); eerr != nil && err == nil {
			err = eerr
		}
	}()
	if !st.read.exists {
		if err := pg.createState(ctx, db); err != nil {
			return err
		}
	}
	_, err = db.ExecContext(ctx, `INSERT INTO `+stateTable+` (scope, models, stamp) VALUES (?, ?, ?)
		ON CONFLICT (scope) DO UPDATE SET models = excluded.models, stamp = excluded.stamp, updated_at = now()`,
		st.scope, st.models, st.read.stamp)
	return err
}

func (pg postgres) createState(ctx context.Context, db bun.IDB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+stateTable+` (
			scope text PRIMARY KEY, models text NOT NULL, stamp text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create %s: %w", stateTable, err)
	}
	return nil
}

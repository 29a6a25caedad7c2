package schema

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// The PostgreSQL stamp (state.go): a digest of the xmin of every catalog
// row describing the requested tables, computed by the server as sums of
// hashes (no sort, no text), and whether the state table exists in the
// current schema — one query; the kept state is a second one.
//
// The foreign keys of other tables that reference the requested ones are
// not stamped: they never make a plan non-empty (the planner reads them
// only to carry out changes of the requested tables), and finding them
// costs a lookup per table (pg_constraint has no index on confrelid).

// pgStateExists tells whether the state table exists in the current schema,
// in its current shape.
const pgStateExists = `EXISTS (SELECT 1 FROM pg_attribute
	WHERE attrelid = to_regclass(format('%I.%I', current_schema(), '` + stateTable + `')) AND attname = '` + stateColumn + `'),
	to_regclass(format('%I.%I', current_schema(), '` + stateTable + `')) IS NOT NULL`

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
	UNION ALL SELECT v.k, i.indexrelid, v.x FROM rel JOIN pg_index i ON i.indrelid = rel.oid
		JOIN pg_class ic ON ic.oid = i.indexrelid, LATERAL (VALUES (6, i.xmin), (7, ic.xmin)) AS v(k, x)
	UNION ALL SELECT 8 + ds.objsubid, ds.objoid, ds.xmin FROM rel
		JOIN pg_description ds ON ds.objoid = rel.oid AND ds.classoid = 'pg_class'::regclass
)
SELECT ` + pgStateExists + `,
	current_schema() || ' ' || count(*) || ' ' || coalesce(sum(hashint8(oid::int8 << 20 | k)::int8 * xmin::text::int8), 0)
	|| ' ' || coalesce(sum(hashint8(xmin::text::int8 << 24 | k)::int8), 0)
FROM stamp`

func (pg postgres) stampOf(ctx context.Context, db bun.IDB, keys []tableKey) (stateRead, error) {
	schemas := make([]string, len(keys))
	names := make([]string, len(keys))
	for i, k := range keys {
		schemas[i], names[i] = k.schema, k.name
	}
	st := stateRead{storable: true}
	var found bool
	err := db.QueryRowContext(ctx, pgStampQuery, pgdialect.Array(schemas), pgdialect.Array(names)).Scan(&st.exists, &found, &st.stamp)
	st.stale = found && !st.exists
	return st, err
}

func (pg postgres) stateExists(ctx context.Context, db bun.IDB) (bool, error) {
	var exists, found bool
	err := db.QueryRowContext(ctx, "SELECT "+pgStateExists).Scan(&exists, &found)
	return exists, err
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
		if err := createState(ctx, db, pg, st.read.stale); err != nil {
			return err
		}
	}
	_, err = db.ExecContext(ctx, `INSERT INTO `+stateTable+` (scope, models, stamp, inputs, tables) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (scope) DO UPDATE SET models = excluded.models, stamp = excluded.stamp, inputs = excluded.inputs,
		tables = excluded.tables, updated_at = now()`,
		st.scope, st.models, st.read.stamp, st.inputs, st.tables)
	return err
}

func (pg postgres) stateDDL() string {
	return `CREATE TABLE IF NOT EXISTS ` + stateTable + ` (scope text PRIMARY KEY, models text NOT NULL, stamp text NOT NULL,
		inputs text NOT NULL, tables text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`
}

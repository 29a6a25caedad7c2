package schema

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// The fast path of a migration that finds nothing to do: the run every
// application start pays.
//
// After a migration whose plan was empty — the database matched the models
// exactly, nothing withheld — Slipway keeps two digests in a table of its
// own, slipway_schema_state, one row per set of model tables: one of the
// tables the models ask for (every attribute the planner compares), and a
// stamp of the database's catalog entries for those tables, which any DDL
// on them changes. The next run computes both again — the stamp in one or
// two short queries — and when neither changed, the database still matches
// the models and the plan is empty without reading the catalog. Otherwise,
// or when in doubt, it inspects the database as always.
//
// The row of every model also keeps a digest of the models' inputs (their
// Go types and tags, state_inputs.go) and the list of tables to stamp, so
// that a start whose inputs are the kept ones needs neither the model
// tables nor their digest: it reads the row by its inputs, stamps the
// listed tables and, when the stamp is the kept one, returns the empty
// plan without building a table. That is what a start costs when nothing
// changed: three short queries and a walk over the models' types. The
// stamps:
//
//   - PostgreSQL: the system columns xmin of the tables' rows in pg_class,
//     pg_attribute, pg_attrdef, pg_constraint, pg_index (and the indexes'
//     pg_class rows) and pg_description: every ALTER, CREATE/DROP INDEX,
//     constraint, default or comment writes one of them.
//   - MariaDB: the tables' CREATE_TIME, which every ALTER TABLE renews (it
//     rewrites the table's definition). A stamp younger than two seconds is
//     not kept: two changes within the same second would look alike.
//     MySQL 8 keeps CREATE_TIME in a statistics cache that may lag, so it
//     has no fast path.
//   - SQLite: PRAGMA schema_version, which every schema change increments.

// stateTable is the table holding the digests.
const stateTable = "slipway_schema_state"

// stateVersion changes whenever the planner compares something it did not
// before, the state table changes shape, or the same models come to be
// built into other tables (desired.go), so that states kept by an older
// Slipway are not trusted. The quick path (state_inputs.go) also digests
// Slipway's module version, but a build with Slipway replaced by a local
// directory has none to tell.
const stateVersion = "slipway-state-2"

// stateColumn is the column the current shape of the state table has and
// older shapes lack: a table without it is dropped and created again.
const stateColumn = "inputs"

// stamper is implemented by dialects with a cheap stamp of the catalog.
type stamper interface {
	// stampOf computes the stamp of the tables, and whether the state table
	// exists, in one round trip. stamp is "" when the dialect cannot say.
	stampOf(ctx context.Context, db bun.IDB, keys []tableKey) (stateRead, error)
	// stateExists reports whether the state table exists in its current
	// shape.
	stateExists(ctx context.Context, db bun.IDB) (bool, error)
	// writeState keeps the state st, creating the table when st.read says
	// it does not exist (createState).
	writeState(ctx context.Context, db bun.IDB, st *fastState) error
	// stateDDL is the CREATE TABLE IF NOT EXISTS of the state table.
	stateDDL() string
}

// stateRead is what readState found.
type stateRead struct {
	stamp    string // the catalog's stamp now; "" when the dialect cannot say
	storable bool   // whether the stamp may be kept (MariaDB: not too recent)
	exists   bool   // whether the state table exists in its current shape
	stale    bool   // whether it exists in an older shape, to be replaced
	models   string // the kept digest of the models ("" when none)
	kept     string // the kept stamp
	inputs   string // the kept digest of the model inputs
}

// fastState is the fast path of one plan.
type fastState struct {
	scope  string // digest of the table names: the row's key
	models string // digest of the model tables
	inputs string // digest of the model inputs; "" for a selection
	tables string // the tables to stamp, kept with inputs (encodeKeys)
	read   stateRead
	keys   []tableKey
}

// matches reports whether the kept state says the database matches.
func (s *fastState) matches() bool {
	return s.read.stamp != "" && s.read.models == s.models && s.read.kept == s.read.stamp
}

// current reports whether the kept state matches and needs no update: it
// also holds the digest of the inputs the models were built from.
func (s *fastState) current() bool {
	return s.matches() && s.read.inputs == s.inputs
}

// readState computes the stamp of keys and reads the state kept for scope.
func readState(ctx context.Context, db bun.IDB, d stamper, keys []tableKey, scope string) (stateRead, error) {
	st, err := d.stampOf(ctx, db, keys)
	if err != nil || !st.exists || st.stamp == "" {
		return st, err
	}
	var models, kept, inputs sql.NullString
	err = db.QueryRowContext(ctx, "SELECT models, stamp, "+stateColumn+" FROM "+stateTable+" WHERE scope = ?", scope).
		Scan(&models, &kept, &inputs)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	st.models, st.kept, st.inputs = models.String, kept.String, inputs.String
	return st, err
}

// createState creates the state table, replacing one of an older shape.
func createState(ctx context.Context, db bun.IDB, d stamper, stale bool) error {
	if stale {
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+stateTable); err != nil {
			return fmt.Errorf("replace %s: %w", stateTable, err)
		}
	}
	if _, err := db.ExecContext(ctx, d.stateDDL()); err != nil {
		return fmt.Errorf("create %s: %w", stateTable, err)
	}
	return nil
}

// fastPath returns the fast path of a plan of want with opts, or nil when
// there is none: a rebuild, a dialect without a stamp, a migrator made
// WithoutSchemaState.
func (m *Migrator) fastPath(opts MigrateOptions, want []*Table) *fastState {
	if _, ok := m.d.(stamper); !ok || opts.Rebuild || m.noState || len(want) == 0 {
		return nil
	}
	keys := inspectKeys(want)
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.schema + "." + k.name
	}
	slices.Sort(names)
	scope := sha256.Sum256([]byte(strings.Join(names, "\n")))
	f := &fastState{scope: hex.EncodeToString(scope[:]), models: m.modelsDigest(want), keys: keys}
	if len(opts.Models) == 0 {
		f.inputs = m.inputsDigest()
		if f.inputs != "" {
			f.tables = encodeKeys(len(want), keys)
		}
	}
	return f
}

// modelsDigest is the digest of the model tables, kept per selection.
func (m *Migrator) modelsDigest(want []*Table) string {
	m.digestMu.Lock()
	defer m.digestMu.Unlock()
	key := ""
	if len(want) != len(m.models) {
		for _, t := range want {
			key += t.qualifiedName() + "\n"
		}
	}
	if d, ok := m.digests[key]; ok {
		return d
	}
	d := digestTables(m.d.name(), want)
	if m.digests == nil {
		m.digests = map[string]string{}
	}
	m.digests[key] = d
	return d
}

// digestTables is the digest of tables as a dialect's planner sees them.
func digestTables(dialect string, tables []*Table) string {
	w := &digestWriter{buf: make([]byte, 0, 256*len(tables))}
	w.str(stateVersion)
	w.str(dialect)
	for _, t := range tables {
		w.table(t)
	}
	sum := sha256.Sum256(w.buf)
	return hex.EncodeToString(sum[:])
}

// digestWriter writes every attribute of a model table the planner reads,
// each value delimited, for a hash. TestDigestCoversEveryField fails when a
// field is added to the table types and not here.
type digestWriter struct{ buf []byte }

func (w *digestWriter) str(s string) {
	w.buf = strconv.AppendInt(w.buf, int64(len(s)), 10)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, s...)
}

func (w *digestWriter) strs(ss []string) {
	w.num(int64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

func (w *digestWriter) num(n int64) {
	w.buf = append(w.buf, '#')
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, ';')
}

func (w *digestWriter) flag(b bool) {
	if b {
		w.buf = append(w.buf, 'T')
	} else {
		w.buf = append(w.buf, 'F')
	}
}

func (w *digestWriter) table(t *Table) {
	w.str("table")
	w.str(t.Schema)
	w.str(t.Name)
	w.str(t.Model)
	w.num(int64(len(t.Columns)))
	for _, c := range t.Columns {
		w.column(c)
	}
	if t.PrimaryKey != nil {
		w.str("pk")
		w.str(t.PrimaryKey.Name)
		w.strs(t.PrimaryKey.Columns)
	}
	w.num(int64(len(t.Indexes)))
	for _, ix := range t.Indexes {
		w.index(ix)
		w.str(ix.sql)
		w.flag(ix.implicit)
		w.flag(ix.invalid)
	}
	w.num(int64(len(t.ForeignKeys)))
	for _, fk := range t.ForeignKeys {
		w.str(fk.Name)
		w.strs(fk.Columns)
		w.str(fk.RefSchema)
		w.str(fk.RefTable)
		w.strs(fk.RefColumns)
		w.str(fk.OnDelete)
		w.str(fk.OnUpdate)
		w.flag(fk.notValid)
		w.flag(fk.named)
		for _, ts := range [][]ColumnType{fk.colTypes, fk.refTypes} {
			w.num(int64(len(ts)))
			for _, t := range ts {
				w.columnType(t)
			}
		}
	}
	w.num(int64(len(t.Checks)))
	for _, ch := range t.Checks {
		w.str(ch.Name)
		w.str(ch.Expr)
		w.str(ch.raw)
		w.flag(ch.notValid)
	}
	w.str(t.createSQL)
	w.strs(t.triggers)
	w.num(t.rows)
	w.strs(t.was)
	w.str(t.wasName)
	keys := make([]string, 0, len(t.colWas))
	for k := range t.colWas {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.str(k)
		w.str(t.colWas[k])
	}
	w.flag(t.planned)
	w.flag(t.blockOK)
}

// index writes the exported fields of an index: what a model declares.
func (w *digestWriter) index(ix *Index) {
	w.str(ix.Name)
	w.strs(ix.Columns)
	w.flag(ix.Unique)
	w.flag(ix.Constraint)
	w.str(ix.Expr)
	w.str(ix.Where)
	w.str(ix.Method)
	w.num(int64(len(ix.Desc)))
	for _, d := range ix.Desc {
		w.flag(d)
	}
}

func (w *digestWriter) column(c *Column) {
	w.str(c.Name)
	w.columnType(c.Type)
	w.flag(c.Nullable)
	w.str(c.Default)
	w.flag(c.PrimaryKey)
	w.flag(c.AutoIncrement)
	w.str(c.Field)
	w.str(c.Comment)
	w.flag(c.identity)
	w.str(c.rawDefault)
	w.str(c.generated)
	if c.mysql != nil {
		w.str("mysql")
		w.str(c.mysql.collation)
		w.str(c.mysql.comment)
		w.flag(c.mysql.invisible)
		w.str(c.mysql.check)
	}
	w.num(int64(c.charBytes))
	w.strs(c.was)
	w.flag(c.commented)
}

func (w *digestWriter) columnType(t ColumnType) {
	w.str(t.Name)
	w.strs(t.Args)
	w.flag(t.Unsigned)
	w.flag(t.Array)
}

package schema

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// MigrateOptions are the settings of one migration. The zero value is the
// safe default: alter the database to match the models and keep every row.
type MigrateOptions struct {
	// Rebuild drops the selected model tables that exist and creates them
	// again (LoopBack's auto-migrate). Their rows are lost; other tables are
	// never touched.
	Rebuild bool
	// Models limits the migration to these models, named by Go type name
	// ("Todo") or table name ("todos"). Empty means every model.
	Models []string
	// DryRun computes the plan and changes nothing.
	DryRun bool
	// AllowDataLoss applies destructive and extra changes (narrowing a type,
	// dropping a column, an index or a foreign key the models no longer
	// declare) instead of withholding them.
	AllowDataLoss bool
	// AllowBlocking applies blocking changes (a rewrite or scan of a big
	// table under a lock that blocks its writes) instead of withholding
	// them: for a maintenance window.
	AllowBlocking bool
}

// Migrator brings one database in line with a set of bun models.
type Migrator struct {
	db          *bun.DB
	d           dialect
	models      []*model
	err         error // a bad model or dialect, reported by every method
	log         *slog.Logger
	lockTimeout time.Duration
	ddlTimeout  time.Duration
	blockRows   int64
	noState     bool // WithoutSchemaState

	// The models are built into tables on first use (load), so that a start
	// the schema state finds actual builds none (state.go).
	values    []any
	loadOnce  sync.Once
	inputOnce sync.Once
	inputs    string // the digest of what the tables are built from (state_inputs.go)

	digestMu sync.Mutex
	digests  map[string]string // the models' digest per selection (state.go)
}

// Option configures a Migrator. Options are passed to NewMigrator among the
// models.
type Option func(*Migrator)

// WithLogger makes the migrator log each statement it executes and a
// summary of each migration (debug), and the changes it withholds (warn).
// Without it, the migrator logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(m *Migrator) {
		if l != nil {
			m.log = l
		}
	}
}

// WithLockTimeout sets how long Migrate waits for the migration lock
// (DefaultLockTimeout when not set). Zero or less waits as long as the
// context allows.
func WithLockTimeout(d time.Duration) Option {
	return func(m *Migrator) { m.lockTimeout = d }
}

// DefaultDDLLockTimeout is how long a DDL statement waits for its table's
// lock before it is given up and tried again (WithDDLLockTimeout).
const DefaultDDLLockTimeout = 2 * time.Second

// WithDDLLockTimeout sets how long each DDL statement may wait for its
// table's lock (DefaultDDLLockTimeout when not set). While an ALTER TABLE
// waits behind an open transaction, every read and write of the table
// queues behind the ALTER: keep this short. A statement that times out is
// tried again a few times, with growing pauses (on PostgreSQL the whole
// transaction is); if it still cannot have the lock, Migrate fails naming
// the table and the sessions that hold locks on it. Statements whose locks
// let reads and writes go on (CREATE INDEX CONCURRENTLY, VALIDATE
// CONSTRAINT) wait up to the lock timeout instead. Zero or less keeps the
// default.
func WithDDLLockTimeout(d time.Duration) Option {
	return func(m *Migrator) {
		if d > 0 {
			m.ddlTimeout = d
		}
	}
}

// DefaultBlockingThreshold is the estimated number of rows above which a
// change that rewrites or scans a table under a lock blocking its writes is
// withheld (WithBlockingThreshold): rewriting 50,000 rows takes about a
// fifth of a second on a current server.
const DefaultBlockingThreshold = 50_000

// WithBlockingThreshold sets the estimated number of rows (the catalog's
// estimate: PostgreSQL's reltuples, InnoDB's TABLE_ROWS) above which a
// blocking change is withheld unless MigrateOptions.AllowBlocking is set
// (DefaultBlockingThreshold when not set). A negative value withholds none:
// every blocking change is applied.
func WithBlockingThreshold(rows int64) Option {
	return func(m *Migrator) { m.blockRows = rows }
}

// WithoutSchemaState turns off the fast path of a migration that finds
// nothing to do: Slipway then keeps no table of its own
// (slipway_schema_state) and reads the catalog on every run. See
// docs/migrations.md, "What a start costs".
func WithoutSchemaState() Option {
	return func(m *Migrator) { m.noState = true }
}

// locks are the migrator's lock waits.
func (m *Migrator) locks() lockSettings {
	return lockSettings{wait: m.lockTimeout, ddl: m.ddlTimeout}
}

// NewMigrator returns a migrator for db and the given bun models, passed as
// typed nil pointers: NewMigrator(db, (*Todo)(nil), (*TodoList)(nil)).
// Options (WithLogger, WithLockTimeout) may be passed among the models.
//
// NewMigrator does no I/O and builds the model tables on first use. A model
// bun rejects, or a database dialect Slipway does not support, makes every
// method of the migrator return an error naming it.
func NewMigrator(db *bun.DB, models ...any) *Migrator {
	m := &Migrator{db: db, log: slog.New(slog.DiscardHandler), lockTimeout: DefaultLockTimeout, ddlTimeout: DefaultDDLLockTimeout,
		blockRows: DefaultBlockingThreshold}
	if db == nil {
		m.err = fmt.Errorf("schema: NewMigrator: nil *bun.DB")
		return m
	}
	var values []any
	for _, v := range models {
		if opt, ok := v.(Option); ok {
			opt(m)
			continue
		}
		values = append(values, v)
	}
	m.d, m.err = dialectFor(db)
	m.values = values
	return m
}

// load builds the model tables once and returns the migrator's error.
func (m *Migrator) load() error {
	m.loadOnce.Do(func() {
		if m.err == nil {
			m.models, m.err = buildModels(m.db, m.d, m.values)
		}
	})
	return m.err
}

// Tables returns the tables the models ask for, in registration order. The
// tables are copies: changing them does not change the migrator.
func (m *Migrator) Tables() ([]*Table, error) {
	if err := m.load(); err != nil {
		return nil, err
	}
	out := make([]*Table, len(m.models))
	for i, md := range m.models {
		t := *md.table
		out[i] = &t
	}
	return out, nil
}

// Plan computes what Migrate would do with the same options, without taking
// the migration lock and without changing anything. Prechecks run, so
// changes that would fail on the current data are marked WouldFail and
// plan.Err() reports them.
func (m *Migrator) Plan(ctx context.Context, opts MigrateOptions) (*Plan, error) {
	if m.err != nil {
		return nil, m.err
	}
	return m.plan(ctx, m.db, opts)
}

// Migrate brings the database in line with the models and returns the plan
// it applied. It takes the migration lock, re-computes the plan under it
// (so that a migrator that waited finds nothing left to do), runs the
// prechecks and applies the plan: in one transaction on PostgreSQL and
// SQLite, statement by statement on MySQL, where each DDL statement commits
// on its own.
//
// A plan with changes that would fail is refused before any DDL runs, with
// a *RefusedError. A statement that fails returns an *ApplyError; on MySQL
// the statements before it stay applied, and running Migrate again applies
// the rest. With DryRun, Migrate is Plan and also returns plan.Err().
func (m *Migrator) Migrate(ctx context.Context, opts MigrateOptions) (*Plan, error) {
	return m.MigrateThen(ctx, opts, nil)
}

// MigrateThen is Migrate followed by then, which runs inside the migration
// lock on the same connection after the plan was applied: in the same
// transaction on PostgreSQL and SQLite, so that seeding data commits
// together with the schema change. An error from then undoes the plan where
// the database can (PostgreSQL, SQLite) and is returned. then is not called
// on a dry run. On SQLite, foreign keys are checked when the transaction
// commits rather than per statement, and ON DELETE/UPDATE actions do not
// fire inside then (see docs/migrations.md).
func (m *Migrator) MigrateThen(ctx context.Context, opts MigrateOptions, then func(ctx context.Context, db bun.IDB) error) (*Plan, error) {
	if m.err != nil {
		return nil, m.err
	}
	if m.quickPath(opts) == nil {
		// Report bad models and unknown names before taking the lock. With
		// a quick path they are built under it, when the state is stale.
		if err := m.load(); err != nil {
			return nil, err
		}
		if _, err := m.selectTables(opts.Models); err != nil {
			return nil, err
		}
	}
	if opts.DryRun {
		plan, err := m.plan(ctx, m.db, opts)
		if err != nil {
			return nil, err
		}
		return plan, plan.Err()
	}
	plan, err := m.apply(ctx, opts, then)
	if err != nil && m.load() != nil {
		return nil, m.err // a bad model is the error to fix first
	}
	return plan, err
}

// Locked runs fn while holding the migration lock of the migrator's
// database — the lock Migrate takes, so that fn runs neither during another
// process's migration nor beside another Locked call — on a connection of
// its own and, where DDL is transactional (PostgreSQL, SQLite), in one
// transaction that commits when fn returns nil and rolls back otherwise. fn
// gets that connection or transaction: run everything on it. Locked waits
// for the lock as Migrate does (WithLockTimeout) and needs no models. This
// is how seeding runs exactly once when replicas start together. On SQLite,
// foreign keys are checked when the transaction commits rather than per
// statement, and ON DELETE/UPDATE actions do not fire inside fn (see
// docs/migrations.md).
func (m *Migrator) Locked(ctx context.Context, fn func(ctx context.Context, db bun.IDB) error) error {
	if m.d == nil {
		return m.err
	}
	return m.d.locked(ctx, m.db, m.locks(), fn, nil)
}

// IsActual reports whether the database matches the models: whether a
// Migrate with default options would execute nothing.
func (m *Migrator) IsActual(ctx context.Context) (bool, error) {
	plan, err := m.Plan(ctx, MigrateOptions{})
	if err != nil {
		return false, err
	}
	return plan.Empty(), nil
}

// selectTables picks the models named in names (all when empty).
func (m *Migrator) selectTables(names []string) ([]*Table, error) {
	if len(names) == 0 {
		out := make([]*Table, len(m.models))
		for i, md := range m.models {
			out[i] = md.table
		}
		return out, nil
	}
	var out []*Table
	for _, name := range names {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(m.models, func(md *model) bool {
			t := md.table
			return name == t.Model || name == md.bun.TypeName || name == t.Name || name == t.qualifiedName()
		})
		if i < 0 {
			return nil, fmt.Errorf("schema: unknown model %q in Models (known: %s)", name, m.knownModels())
		}
		if !slices.Contains(out, m.models[i].table) {
			out = append(out, m.models[i].table)
		}
	}
	// Keep registration order, whatever order the names came in.
	slices.SortStableFunc(out, func(a, b *Table) int { return m.index(a) - m.index(b) })
	return out, nil
}

func (m *Migrator) index(t *Table) int {
	return slices.IndexFunc(m.models, func(md *model) bool { return md.table == t })
}

func (m *Migrator) knownModels() string {
	if len(m.models) == 0 {
		return "none"
	}
	names := make([]string, len(m.models))
	for i, md := range m.models {
		names[i] = fmt.Sprintf("%s (table %s)", md.table.Model, md.table.qualifiedName())
	}
	return strings.Join(names, ", ")
}

// plan inspects the database through db and computes the plan, prechecks
// included: or, when the schema state says the database still matches the
// models, returns the empty plan without either (state.go).
func (m *Migrator) plan(ctx context.Context, db bun.IDB, opts MigrateOptions) (*Plan, error) {
	if q := m.quickPath(opts); q != nil {
		tables, ok, err := q.read(ctx, db)
		if err != nil {
			if lerr := m.load(); lerr != nil {
				return nil, lerr // a bad model is the error to fix first
			}
			return nil, fmt.Errorf("schema: %s: read %s: %w", m.d.name(), stateTable, err)
		}
		if ok {
			return &Plan{Dialect: m.d.name(), d: m.d, tables: tables}, nil
		}
	}
	if err := m.load(); err != nil {
		return nil, err
	}
	want, err := m.selectTables(opts.Models)
	if err != nil {
		return nil, err
	}
	fast := m.fastPath(opts, want)
	if fast != nil {
		read, err := readState(ctx, db, m.d.(stamper), fast.keys, fast.scope)
		if err != nil {
			return nil, fmt.Errorf("schema: %s: read %s: %w", m.d.name(), stateTable, err)
		}
		fast.read = read
		if fast.matches() {
			plan := &Plan{Dialect: m.d.name(), d: m.d, want: want}
			if !fast.current() {
				plan.fast = fast // keep the digest of the model inputs (apply)
			}
			return plan, nil
		}
	}
	snap, err := m.d.inspect(ctx, db, inspectKeys(want))
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %w", m.d.name(), err)
	}
	p := &planner{d: m.d, opts: opts, snap: snap, want: want, blockRows: m.blockRows}
	var estimateErr error
	p.rowsOf = func(t *Table) int64 {
		n, err := m.rowsOf(ctx, db, p, t)
		if err != nil {
			estimateErr = errors.Join(estimateErr, fmt.Errorf("count the rows of table %q: %w", t.qualifiedName(), err))
		}
		return n
	}
	plan := p.plan()
	if estimateErr != nil {
		return nil, fmt.Errorf("schema: %s: %w", m.d.name(), estimateErr)
	}
	plan.snap, plan.want, plan.fast = snap, want, fast
	if err := runPrechecks(ctx, db, plan); err != nil {
		return nil, fmt.Errorf("schema: %s: %w", m.d.name(), err)
	}
	return plan, nil
}

// inspectKeys lists the tables to read: the selected model tables and the
// tables their foreign keys reference.
func inspectKeys(want []*Table) []tableKey {
	var keys []tableKey
	seen := map[tableKey]bool{}
	add := func(k tableKey) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, t := range want {
		add(tableKey{t.Schema, t.Name})
	}
	for _, t := range want {
		for _, old := range t.was {
			add(tableKey{t.Schema, old})
		}
	}
	for _, t := range want {
		for _, fk := range t.ForeignKeys {
			add(tableKey{fk.RefSchema, fk.RefTable})
		}
	}
	return keys
}

// rowsOf is the number of rows of live table t that decides whether a
// blocking change may run: the catalog's estimate (or, where the catalog
// has none, the dialect's), made exact by counting when it is at most
// twice the threshold (and at least up to minRowCount). Estimates move
// under the migration's own changes (PostgreSQL renews reltuples when it
// builds an index, MySQL its statistics when it rebuilds a table), and a
// decision taken on one must not flip on the next run; near the
// threshold only a count is stable. Counting stops one row past the cap
// (between minRowCount and maxRowCount).
func (m *Migrator) rowsOf(ctx context.Context, db bun.IDB, p *planner, t *Table) (int64, error) {
	est := t.rows
	if e, ok := m.d.(rowEstimator); ok && est < 0 {
		var err error
		if est, err = e.estimateRows(ctx, db, p.physical(t)); err != nil {
			return 0, err
		}
	}
	limit := min(max(2*m.blockRows, minRowCount), maxRowCount)
	if est > limit {
		return est, nil
	}
	var n int64
	err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM (SELECT 1 AS one FROM %s LIMIT %d) AS slipway_rows", p.tableRef(t), limit+1)).Scan(&n)
	if err != nil {
		return 0, err
	}
	if n > limit {
		return max(n, est), nil
	}
	return n, nil
}

// rowsOf counts up to at least minRowCount rows and at most maxRowCount.
const (
	minRowCount = 10_000
	maxRowCount = 1_000_000
)

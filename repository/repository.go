package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/feature"
	bunschema "github.com/uptrace/bun/schema"
)

// Repo is what every *Repository[T] is, whatever T: a model served from a
// datasource. The application lists repositories through it.
type Repo interface {
	// Model returns the Go type name of the repository's model.
	Model() string
	// DataSource returns the datasource the repository reads and writes.
	DataSource() *SQL
}

// Repository reads and writes one bun model in a SQL datasource. Every
// method takes a context; inside a migration hook the context carries the
// migration's transaction, and the repository uses it (see WithDB).
type Repository[T any] struct {
	ds     *SQL
	m      *model
	models *modelCache // models of included relations
	sizes  liveSizes   // column sizes read from the database
}

var _ Repo = (*Repository[struct{}])(nil)

// New returns a repository for model T in ds, and attaches T to the models
// ds backs, so that migrating ds creates T's table. It fails for a model bun
// rejects, naming it.
func New[T any](ds *SQL) (*Repository[T], error) {
	if ds == nil {
		return nil, errors.New("repository: New: nil datasource")
	}
	if err := ds.registerThrough(reflect.TypeFor[T]()); err != nil {
		return nil, err
	}
	m, err := newModel(ds.DB(), reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	ds.Attach((*T)(nil))
	return &Repository[T]{ds: ds, m: m, models: newModelCache(ds.DB(), m)}, nil
}

// Model returns the Go type name of T.
func (r *Repository[T]) Model() string { return r.m.name }

// DataSource returns the repository's datasource.
func (r *Repository[T]) DataSource() *SQL { return r.ds }

// Table returns bun's table metadata for T.
func (r *Repository[T]) Table() *bunschema.Table { return r.m.table }

type dbKey struct{ ds *SQL }

// WithDB returns a context whose repository calls on datasource ds go
// through db — a transaction or a dedicated connection — instead of the
// datasource's pool. The application uses it to run migration hooks inside
// the migration's transaction and lock.
func WithDB(ctx context.Context, ds *SQL, db bun.IDB) context.Context {
	return context.WithValue(ctx, dbKey{ds}, db)
}

// DB returns the connection repository calls on ds use in ctx: the one
// installed by WithDB, or ds's pool.
func DB(ctx context.Context, ds *SQL) bun.IDB {
	if db, ok := ctx.Value(dbKey{ds}).(bun.IDB); ok {
		return db
	}
	return ds.DB()
}

// db is the connection to use; an unreachable database surfaces as the
// error of the query itself, so ready's error is not needed here.
func (r *Repository[T]) db(ctx context.Context) bun.IDB {
	_ = r.ds.ready(ctx)
	return DB(ctx, r.ds)
}

// Create inserts v; database-generated values (an auto-increment id) are
// set on v.
func (r *Repository[T]) Create(ctx context.Context, v *T) error {
	if err := r.checkRow(r.properties(), v, "create"); err != nil {
		return err
	}
	if _, err := r.db(ctx).NewInsert().Model(v).Exec(ctx); err != nil {
		return r.m.fail("create", err)
	}
	return nil
}

// CreateAll inserts every value with one multi-row INSERT.
func (r *Repository[T]) CreateAll(ctx context.Context, vs []*T) error {
	if len(vs) == 0 {
		return nil
	}
	props := r.properties()
	for _, v := range vs {
		if err := r.checkRow(props, v, "create"); err != nil {
			return err
		}
	}
	q := r.db(ctx).NewInsert().Model(&vs)
	if len(vs) > 1 && !q.Dialect().Features().Has(feature.DefaultPlaceholder) {
		// Without DEFAULT in VALUES (SQLite), bun takes the columns from the
		// first value and leaves out those it would default there, for every
		// row: naming them all keeps each row's own values.
		for _, f := range r.m.table.Fields {
			q = q.Column(f.Name)
		}
	}
	if _, err := q.Exec(ctx); err != nil {
		return r.m.fail(fmt.Sprintf("create %d", len(vs)), err)
	}
	return nil
}

// FindByID returns the row with the given primary key, or an error wrapping
// ErrNotFound. The filter's fields and include apply; its where, order,
// limit and offset are ignored.
func (r *Repository[T]) FindByID(ctx context.Context, id any, f *Filter) (*T, error) {
	where, args, err := r.m.idCond("find", id, true)
	if err != nil {
		return nil, err
	}
	c := compiled{proj: Projection{m: r.m}}
	if f != nil && (len(f.Fields) > 0 || len(f.Include) > 0) {
		if err := c.compileShape(r.models, r.m, f); err != nil {
			return nil, err
		}
	}
	c.where, c.whereArgs, c.limit = where, args, 1
	db := r.db(ctx)
	v := new(T)
	if err := c.apply(db.NewSelect().Model(v)).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("find", r.m.name, id)
		}
		return nil, r.m.fail("find", err)
	}
	if len(c.includes) > 0 {
		if err := loadIncludes(ctx, db, reflect.ValueOf([]*T{v}), c.includes); err != nil {
			return nil, r.m.fail("find", err)
		}
	}
	return v, nil
}

// FindOne returns the first row matching the filter, or an error wrapping
// ErrNotFound.
func (r *Repository[T]) FindOne(ctx context.Context, f *Filter) (*T, error) {
	var one Filter
	if f != nil {
		one = *f
	}
	one.Limit = 1
	rows, err := r.Find(ctx, &one)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("repository: find one %q: %w", r.m.name, ErrNotFound)
	}
	return rows[0], nil
}

// Find returns the rows matching the filter (every row for a nil filter).
func (r *Repository[T]) Find(ctx context.Context, f *Filter) ([]*T, error) {
	var c compiled
	if err := c.compile(r.models, r.m, f); err != nil {
		return nil, err
	}
	db := r.db(ctx)
	var rows []*T
	if err := c.apply(db.NewSelect().Model(&rows)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, r.m.fail("find", err)
	}
	if rows == nil {
		rows = []*T{}
	}
	if len(c.includes) > 0 {
		if err := loadIncludes(ctx, db, reflect.ValueOf(rows), c.includes); err != nil {
			return nil, r.m.fail("find", err)
		}
	}
	return rows, nil
}

// Count returns the number of rows matching where (all rows for nil).
func (r *Repository[T]) Count(ctx context.Context, where Where) (int, error) {
	s, args, err := r.m.whereSQL(where, true)
	if err != nil {
		return 0, err
	}
	q := r.db(ctx).NewSelect().Model((*T)(nil))
	if s != "" {
		q = q.Where(s, args...)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, r.m.fail("count", err)
	}
	return int(n), nil
}

// Exists reports whether a row with the given primary key exists.
func (r *Repository[T]) Exists(ctx context.Context, id any) (bool, error) {
	s, args, err := r.m.idCond("exists", id, true)
	if err != nil {
		return false, err
	}
	ok, err := r.db(ctx).NewSelect().Model((*T)(nil)).Where(s, args...).Exists(ctx)
	if err != nil {
		return false, r.m.fail("exists", err)
	}
	return ok, nil
}

// Patch maps field names (JSON, Go or column names) to new values for a
// partial update. Values are converted to the fields' Go types first; a
// value that does not fit is a *FieldError.
type Patch map[string]any

// UpdateByID sets the patched fields of the row with the given primary key;
// an error wrapping ErrNotFound when there is none.
func (r *Repository[T]) UpdateByID(ctx context.Context, id any, patch Patch) error {
	if _, err := r.m.primaryKey("update"); err != nil {
		return err
	}
	if id == nil {
		return nilID("update", r.m.name)
	}
	q, err := r.set(ctx, patch)
	if err != nil {
		return err
	}
	s, args, err := r.m.idCond("update", id, false)
	if err != nil {
		return err
	}
	n, err := r.execUpdate(ctx, q.Where(s, args...))
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("update", r.m.name, id)
	}
	return nil
}

// UpdateAll sets the patched fields of every row matching where (all rows
// for nil) and returns how many rows matched.
func (r *Repository[T]) UpdateAll(ctx context.Context, patch Patch, where Where) (int64, error) {
	q, err := r.set(ctx, patch)
	if err != nil {
		return 0, err
	}
	s, args, err := r.m.whereSQL(where, false)
	if err != nil {
		return 0, err
	}
	return r.execUpdate(ctx, q.Where(everyRow(s), args...))
}

// set starts an UPDATE setting the patched fields, in the order of their
// names, each value converted to its field's type and checked.
func (r *Repository[T]) set(ctx context.Context, patch Patch) (*bun.UpdateQuery, error) {
	if len(patch) == 0 {
		return nil, fmt.Errorf("repository: update %q: empty patch", r.m.name)
	}
	var buf [8]string
	names := buf[:0]
	for name := range patch {
		names = append(names, name)
	}
	slices.Sort(names)
	props := r.properties()
	q := r.db(ctx).NewUpdate().Model((*T)(nil))
	for _, name := range names {
		f, err := r.m.field(name, "patch")
		if err != nil {
			return nil, err
		}
		v, err := r.m.convert(f, patch[name], "patch")
		if err != nil {
			return nil, err
		}
		if err := r.checkText(props, f, reflect.ValueOf(v), "patch"); err != nil {
			return nil, err
		}
		q = q.Set(r.m.columns[f].set, v)
	}
	return q, nil
}

// execUpdate runs an UPDATE and returns how many rows matched.
func (r *Repository[T]) execUpdate(ctx context.Context, q *bun.UpdateQuery) (int64, error) {
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, r.m.fail("update", err)
	}
	return res.RowsAffected()
}

// everyRow is the where clause s, or one matching every row when s is
// empty: bun refuses an UPDATE or DELETE without a WHERE.
func everyRow(s string) string {
	if s == "" {
		return "1 = 1"
	}
	return s
}

// ReplaceByID writes every field of v to the row with the given primary
// key (v's own key is set to id); an error wrapping ErrNotFound when there
// is none.
func (r *Repository[T]) ReplaceByID(ctx context.Context, id any, v *T) error {
	pk, err := r.m.primaryKey("replace")
	if err != nil {
		return err
	}
	idv, err := r.m.convert(pk, id, "id")
	if err != nil {
		return err
	}
	pk.Value(reflect.ValueOf(v).Elem()).Set(reflect.ValueOf(idv))
	if err := r.checkRow(r.properties(), v, "replace"); err != nil {
		return err
	}
	res, err := r.db(ctx).NewUpdate().Model(v).WherePK().Exec(ctx)
	if err != nil {
		return r.m.fail("replace", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return notFound("replace", r.m.name, id)
	}
	return nil
}

// DeleteByID deletes the row with the given primary key; an error wrapping
// ErrNotFound when there is none.
func (r *Repository[T]) DeleteByID(ctx context.Context, id any) error {
	s, args, err := r.m.idCond("delete", id, false)
	if err != nil {
		return err
	}
	res, err := r.db(ctx).NewDelete().Model((*T)(nil)).Where(s, args...).Exec(ctx)
	if err != nil {
		return r.m.fail("delete", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound("delete", r.m.name, id)
	}
	return nil
}

// DeleteAll deletes every row matching where (all rows for nil) and returns
// how many were deleted.
func (r *Repository[T]) DeleteAll(ctx context.Context, where Where) (int64, error) {
	s, args, err := r.m.whereSQL(where, false)
	if err != nil {
		return 0, err
	}
	res, err := r.db(ctx).NewDelete().Model((*T)(nil)).Where(everyRow(s), args...).Exec(ctx)
	if err != nil {
		return 0, r.m.fail("delete", err)
	}
	return res.RowsAffected()
}

package schema

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// Discovery: reading what a database has, as LoopBack's
// discoverModelDefinitions (ListTables), discoverModelProperties
// (DiscoverTable) and discoverSchemas (Discover) do. The Go source of the
// discovered models is written by gosource.go.

// ErrTableNotFound is returned (wrapped) by DiscoverTable and Discover when
// a table does not exist.
var ErrTableNotFound = errors.New("table not found")

// DiscoverTable reads one table back from the database, as LoopBack's
// discoverModelProperties does: its columns (name, type with length,
// precision and scale, nullability, default, primary key, auto-increment),
// primary key, unique constraints and indexes, and foreign keys.
//
// name may be schema-qualified ("audit.events"); otherwise the connection's
// current schema (database on MySQL) is searched. A missing table is an
// error wrapping ErrTableNotFound.
func DiscoverTable(ctx context.Context, db *bun.DB, name string) (*Table, error) {
	d, err := dialectFor(db)
	if err != nil {
		return nil, err
	}
	key := splitQualified("", name)
	snap, err := d.inspect(ctx, db, []tableKey{key})
	if err != nil {
		return nil, fmt.Errorf("schema: discover table %q: %s: %w", name, d.name(), err)
	}
	t := snap.table(key.schema, key.name)
	if t == nil {
		if kind, ok := snap.others[keyOf(key.schema, key.name, snap.current)]; ok {
			return nil, fmt.Errorf("schema: discover table %q: it is a %s: %w", name, kind, ErrTableNotFound)
		}
		return nil, fmt.Errorf("schema: discover table %q: %w", name, ErrTableNotFound)
	}
	return t, nil
}

// splitQualified reads "schema.table" (or "table", in schema).
func splitQualified(schema, name string) tableKey {
	if s, n, ok := strings.Cut(name, "."); ok {
		return tableKey{schema: s, name: n}
	}
	return tableKey{schema: schema, name: name}
}

// TableInfo names a table or a view, as ListTables reports it.
type TableInfo struct {
	// Schema is the schema holding it (MySQL: the database; SQLite: the
	// attached database, "main" for the file itself).
	Schema string
	Name   string
	// View is true for a view (PostgreSQL: also a materialized view).
	View bool
	// Current is true when Schema is the connection's current schema.
	Current bool
}

// ListOptions says which schemas ListTables lists. The zero value lists the
// connection's current schema.
type ListOptions struct {
	// Schema is the schema to list; "" is the connection's current schema
	// (PostgreSQL's current_schema(), MySQL's DATABASE(), SQLite's "main").
	Schema string
	// AllSchemas lists every schema the connection can see instead, leaving
	// out the database's own (pg_catalog, information_schema, mysql, sys,
	// ...). Schema is then ignored.
	AllSchemas bool
}

// lister is implemented by every dialect: it lists tables and views in one
// query (ListTables).
type lister interface {
	listTables(ctx context.Context, db bun.IDB, schema string, all bool) ([]TableInfo, error)
}

var (
	_ lister = postgres{}
	_ lister = mysql{}
	_ lister = sqlite{}
)

// ListTables lists the tables and views of a schema, or of every schema, as
// LoopBack's discoverModelDefinitions does: ordered by schema and name (in
// byte order), in one catalog query. Partitions, foreign and
// virtual tables, and the database's own tables are left out. A schema that
// does not exist has no tables: the result is empty.
func ListTables(ctx context.Context, db *bun.DB, opts ListOptions) ([]TableInfo, error) {
	d, err := dialectFor(db)
	if err != nil {
		return nil, err
	}
	l, ok := d.(lister)
	if !ok {
		return nil, fmt.Errorf("schema: list tables: %s cannot list its tables", d.name())
	}
	tables, err := l.listTables(ctx, db, opts.Schema, opts.AllSchemas)
	if err != nil {
		return nil, fmt.Errorf("schema: list tables: %s: %w", d.name(), err)
	}
	return tables, nil
}

// scanTableList runs a dialect's list query, which selects schema, name,
// view and current, with the arguments all and schema.
func scanTableList(ctx context.Context, db bun.IDB, query string, all bool, schema string) ([]TableInfo, error) {
	rows, err := db.QueryContext(ctx, query, all, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TableInfo
	for rows.Next() {
		var t TableInfo
		if err := rows.Scan(&t.Schema, &t.Name, &t.View, &t.Current); err != nil {
			return nil, err
		}
		if t.Name == stateTable && !t.View {
			continue // Slipway's own (state.go)
		}
		out = append(out, t)
	}
	// In byte order, whatever the database's collation says.
	slices.SortFunc(out, func(a, b TableInfo) int {
		return cmp.Or(strings.Compare(a.Schema, b.Schema), strings.Compare(a.Name, b.Name))
	})
	return out, rows.Err()
}

// DiscoverOptions says what Discover reads. The zero value reads every
// table and view of the connection's current schema.
type DiscoverOptions struct {
	// Schema is the schema to read (MySQL: a database; SQLite: an attached
	// database); "" is the connection's current one.
	Schema string
	// Tables names the tables and views to read, each optionally
	// schema-qualified ("audit.events"). Empty reads every table and view
	// of Schema.
	Tables []string
}

// Discovery is what Discover read: tables and views as the catalog reports
// them. ModelSource writes them as Go source.
type Discovery struct {
	// Dialect is the database's name, e.g. "PostgreSQL".
	Dialect string
	// Tables are the tables read, in the order asked for (or by name), then
	// the tables they reference that were not asked for (see Referenced).
	// A table's Schema is "" when it is in the connection's current schema.
	Tables []*Table
	// Views are the views read, with their columns (name, type, nullability).
	Views []*Table
	// Referenced names, schema-qualified when not in the current schema,
	// the tables Tables holds only because a table asked for references
	// them: a model's relation needs the model it points to.
	Referenced []string

	db *bun.DB
	d  dialect
}

// Discover reads tables and views from the database, as LoopBack's
// discoverSchemas does: every table and view of a schema, or those named,
// plus the tables their foreign keys reference (transitively), each with
// columns, keys, indexes and foreign keys. It costs the three catalog
// queries of an inspection (ListTables's one more when no table is named),
// again for each round of referenced tables. A named table that does not
// exist is an error wrapping ErrTableNotFound.
func Discover(ctx context.Context, db *bun.DB, opts DiscoverOptions) (*Discovery, error) {
	d, err := dialectFor(db)
	if err != nil {
		return nil, err
	}
	var keys []tableKey
	if len(opts.Tables) == 0 {
		list, err := ListTables(ctx, db, ListOptions{Schema: opts.Schema})
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			keys = append(keys, tableKey{schema: opts.Schema, name: t.Name})
		}
	}
	for _, name := range opts.Tables {
		if name = strings.TrimSpace(name); name != "" {
			keys = append(keys, splitQualified(opts.Schema, name))
		}
	}
	disc := &Discovery{Dialect: d.name(), db: db, d: d}
	asked := len(keys)
	for {
		snap, err := d.inspect(ctx, db, keys)
		if err != nil {
			return nil, fmt.Errorf("schema: discover: %s: %w", d.name(), err)
		}
		more, err := disc.read(snap, keys, asked)
		if err != nil {
			return nil, err
		}
		if len(more) == 0 {
			return disc, nil
		}
		keys = append(keys, more...)
	}
}

// read fills the discovery from a snapshot of keys (the first asked of
// them asked for) and returns the referenced tables it does not hold yet.
func (disc *Discovery) read(snap *snapshot, keys []tableKey, asked int) ([]tableKey, error) {
	disc.Tables, disc.Views, disc.Referenced = nil, nil, nil
	seen := map[tableKey]bool{}
	for i, k := range keys {
		key := keyOf(k.schema, k.name, snap.current)
		if seen[key] {
			continue
		}
		seen[key] = true
		switch {
		case snap.tables[key] != nil:
			disc.Tables = append(disc.Tables, snap.tables[key])
			if i >= asked {
				disc.Referenced = append(disc.Referenced, snap.tables[key].qualifiedName())
			}
		case snap.views[key] != nil:
			disc.Views = append(disc.Views, snap.views[key])
		case snap.others[key] != "":
			return nil, fmt.Errorf("schema: discover %q: it is a %s, neither a table nor a view", qualify(k.schema, k.name), snap.others[key])
		default:
			return nil, fmt.Errorf("schema: discover %q: %w", qualify(k.schema, k.name), ErrTableNotFound)
		}
	}
	var more []tableKey
	for _, t := range disc.Tables {
		for _, fk := range t.ForeignKeys {
			key := keyOf(fk.RefSchema, fk.RefTable, snap.current)
			if !seen[key] && !slices.Contains(more, key) {
				more = append(more, key)
			}
		}
	}
	return more, nil
}

package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// ErrTableNotFound is returned (wrapped) by DiscoverTable when the table
// does not exist.
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
	key := tableKey{name: name}
	if s, n, ok := strings.Cut(name, "."); ok {
		key = tableKey{schema: s, name: n}
	}
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

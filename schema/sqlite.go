package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// sqlite is the SQLite dialect (3.35 and later), for bun's sqlitedialect.
//
// SQLite's ALTER TABLE can add a column and little else, so most changes
// rebuild the table the way https://www.sqlite.org/lang_altertable.html#otheralter
// prescribes: create the new table under a temporary name, copy the rows,
// drop the old table, rename the new one and recreate its indexes and
// triggers, all inside the migration's transaction with foreign key
// enforcement switched off around it and checked before commit.
type sqlite struct{}

var (
	_ dialect         = sqlite{}
	_ stamper         = sqlite{}
	_ tableChecker    = sqlite{}
	_ exportEnveloper = sqlite{}
)

func (sqlite) name() string { return "SQLite" }

func (sqlite) quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// quoteTable is the table's name for DDL; the schema is an attached
// database ("main" when none is named).
func (s sqlite) quoteTable(t *Table) string {
	if t.Schema == "" {
		return s.quote(t.Name)
	}
	return s.quote(t.Schema) + "." + s.quote(t.Name)
}

// quoteIndex is an index name for CREATE and DROP INDEX: SQLite qualifies
// the index, never the table it is on.
func (s sqlite) quoteIndex(t *Table, name string) string {
	return s.quoteTable(&Table{Schema: t.Schema, Name: name})
}

func (sqlite) checkIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty name")
	case strings.IndexByte(ident, 0) >= 0:
		return errors.New("name contains a NUL byte")
	}
	return nil
}

// checkTable reports what SQLite cannot build: tables and indexes named
// "sqlite_...", which SQLite reserves, and values generated for anything
// but a single-column INTEGER PRIMARY KEY (AUTOINCREMENT).
func (sqlite) checkTable(t *Table) error {
	reserved := func(name string) bool { return len(name) >= 7 && strings.EqualFold(name[:7], "sqlite_") }
	if reserved(t.Name) {
		return fmt.Errorf("table %q: names beginning with \"sqlite_\" are reserved by SQLite (give the model another table name)", t.Name)
	}
	for _, ix := range t.Indexes {
		if reserved(ix.Name) {
			return fmt.Errorf("index %q: names beginning with \"sqlite_\" are reserved by SQLite (name the index otherwise)", ix.Name)
		}
		if ix.Method != "" && ix.Method != "btree" {
			return fmt.Errorf("index %q: SQLite builds B-tree indexes only (drop using:%s)", ix.Name, ix.Method)
		}
	}
	for _, c := range t.Columns {
		if !c.AutoIncrement {
			continue
		}
		if t.PrimaryKey == nil || !slices.Equal(t.PrimaryKey.Columns, []string{c.Name}) || c.Type.String() != "integer" {
			return fmt.Errorf("column %q: SQLite generates values only for a single-column INTEGER PRIMARY KEY, and %q is %s (make it the only primary key column with type integer, or drop autoincrement/identity)",
				c.Name, c.Name, sqliteDescribeKeyColumn(t, c))
		}
	}
	return nil
}

func sqliteDescribeKeyColumn(t *Table, c *Column) string {
	switch {
	case t.PrimaryKey == nil || !slices.Contains(t.PrimaryKey.Columns, c.Name):
		return fmt.Sprintf("%s and not the primary key", c.Type)
	case len(t.PrimaryKey.Columns) > 1:
		return fmt.Sprintf("%s in a composite primary key", c.Type)
	default:
		return c.Type.String()
	}
}

func (sqlite) lengthExpr(col string) string { return "length(" + col + ")" }

// asciiLower folds ASCII letters only, as SQLite does for identifiers.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (sqlite) transactional() bool { return true }

func (sqlite) features() features { return noComments }

package schema

import (
	"slices"
	"strconv"
	"strings"
)

// Table describes one table: either the table a model asks for, or a table
// as the database's catalog reports it (see [DiscoverTable]).
type Table struct {
	// Schema is the database schema (PostgreSQL) holding the table; "" means
	// the connection's current schema.
	Schema string
	// Name is the table name, unquoted.
	Name string
	// Model is the Go type name of the model the table comes from; "" for a
	// table read from the database.
	Model string

	Columns     []*Column
	PrimaryKey  *PrimaryKey   // nil when the table has none
	Indexes     []*Index      // unique constraints and indexes, without the primary key
	ForeignKeys []*ForeignKey // outgoing foreign keys
	Checks      []*Check      // CHECK constraints of the table (not a column's own on MariaDB)

	// SQLite: the CREATE TABLE and CREATE TRIGGER statements as the catalog
	// keeps them, which a table rebuild carries over.
	createSQL string
	triggers  []string

	// rows is the catalog's estimate of the table's rows, -1 when it has
	// none (read from the database only).
	rows int64
	// was lists a model table's earlier names (slipway:"was:old" on its
	// bun.BaseModel).
	was []string
	// wasName and colWas name a live table, and its columns by their new
	// names, as they are before the plan renames them: prechecks run before
	// any DDL and must use them.
	wasName string
	colWas  map[string]string
	// planned marks the table of a CREATE TABLE in the same plan, as later
	// statements of the plan find it.
	planned bool
	// blockOK is true when the plan may block the table's writes: it is
	// below the row threshold, or the migration allows blocking.
	blockOK bool
}

// Column describes one column.
type Column struct {
	Name string
	Type ColumnType
	// Nullable is true when the column accepts NULL.
	Nullable bool
	// Default is the column default as a SQL expression, normalised so that
	// the model's and the database's spelling compare equal; "" for none.
	Default string
	// PrimaryKey is true when the column is part of the primary key.
	PrimaryKey bool
	// AutoIncrement is true when the database generates values for the
	// column: serial and identity columns, AUTO_INCREMENT, SQLite's
	// AUTOINCREMENT.
	AutoIncrement bool
	// Field is the Go struct field the column comes from; "" for a column
	// read from the database.
	Field string
	// Comment is the column's comment (PostgreSQL, MySQL). A model's column
	// is compared with the database's only when the model declares one
	// (slipway:"comment:'...'").
	Comment string

	identity   bool     // PostgreSQL: an identity column rather than a serial one
	rawDefault string   // the default as written (model tag or catalog), for DDL
	generated  string   // expression of a generated column (read from the database)
	mysql      *myAttrs // MySQL: what a MODIFY COLUMN must repeat (collation, comment)
	charBytes  int      // MySQL: the most bytes a character of a text column takes
	was        []string // a model column's earlier names (slipway:"was:old")
	commented  bool     // the model declares the comment
}

// defaultSQL is the default expression to write into DDL.
func (c *Column) defaultSQL() string {
	if c.rawDefault != "" {
		return c.rawDefault
	}
	return c.Default
}

// ColumnType is a column's data type in the canonical spelling of its
// dialect: lower case, aliases resolved ("int4" is "integer", "character
// varying" is "varchar"), with its arguments ("varchar(40)", "numeric(10,2)").
type ColumnType struct {
	// Name is the base type name, e.g. "varchar", "bigint", "timestamptz".
	Name string
	// Args are the type's arguments as written: a length, a precision and
	// scale, or enum values.
	Args []string
	// Unsigned is true for MySQL's unsigned numeric types.
	Unsigned bool
	// Array is true for PostgreSQL array types.
	Array bool
}

// String returns the type as SQL, e.g. "varchar(40)" or "bigint unsigned".
func (t ColumnType) String() string {
	var b strings.Builder
	b.WriteString(t.Name)
	if len(t.Args) > 0 {
		b.WriteByte('(')
		b.WriteString(strings.Join(t.Args, ","))
		b.WriteByte(')')
	}
	if t.Unsigned {
		b.WriteString(" unsigned")
	}
	if t.Array {
		b.WriteString("[]")
	}
	return b.String()
}

// Length is the declared length of a character or binary type; 0 when none
// is declared.
func (t ColumnType) Length() int {
	if !t.isLengthType() {
		return 0
	}
	return t.arg(0)
}

// Precision is the declared precision of a numeric or time type; 0 when
// none is declared.
func (t ColumnType) Precision() int {
	if t.isLengthType() {
		return 0
	}
	return t.arg(0)
}

// Scale is the declared scale of a numeric type; 0 when none is declared.
func (t ColumnType) Scale() int {
	if t.isLengthType() {
		return 0
	}
	return t.arg(1)
}

func (t ColumnType) isLengthType() bool {
	switch t.Name {
	case "varchar", "char", "binary", "varbinary", "bit", "varbit":
		return true
	}
	return false
}

func (t ColumnType) arg(i int) int {
	if i >= len(t.Args) {
		return 0
	}
	n, err := strconv.Atoi(t.Args[i])
	if err != nil {
		return 0
	}
	return n
}

func (t ColumnType) equal(o ColumnType) bool {
	return t.Name == o.Name && t.Unsigned == o.Unsigned && t.Array == o.Array && slices.Equal(t.Args, o.Args)
}

// PrimaryKey is a table's primary key.
type PrimaryKey struct {
	Name    string // constraint name; may be "" for a model
	Columns []string
}

// Index is a unique constraint or an index.
type Index struct {
	Name    string
	Columns []string // key columns in order; empty for an expression index
	Unique  bool
	// Constraint is true for a UNIQUE constraint (what bun's `unique` tag
	// makes), false for an index made by CREATE INDEX.
	Constraint bool
	// Expr is the key expression of an expression index, e.g. "lower(email)".
	// Expression and partial indexes are compared by name only.
	Expr string
	// Where is the predicate of a partial index.
	Where string
	// Method is the index's access method: PostgreSQL's btree (the
	// default, also written ""), hash, gin, gist, spgist or brin. MySQL's
	// InnoDB and SQLite build B-trees only.
	Method string
	// Desc marks the key columns sorted descending, in Columns' order; nil
	// (or false) for ascending.
	Desc []bool

	sql string // SQLite: the CREATE INDEX statement as the catalog keeps it

	// implicit marks an index the database keeps for a foreign key (MySQL
	// makes one and will not drop it while the foreign key exists). It is
	// never reported as an extra.
	implicit bool
	// invalid marks an index a failed concurrent build left (PostgreSQL):
	// it serves no query and enforces nothing, and is dropped.
	invalid bool
}

// ForeignKey is a foreign key constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefSchema  string // "" means the connection's current schema
	RefTable   string
	RefColumns []string
	// OnDelete and OnUpdate are the referential actions, upper case:
	// "NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT" or "RESTRICT".
	OnDelete string
	OnUpdate string

	// notValid marks a foreign key added NOT VALID and never validated
	// (PostgreSQL: a migration interrupted before VALIDATE CONSTRAINT).
	notValid bool
	// named marks a model's foreign key whose name the model declares
	// (slipway:"fk:NAME"): the database's must then have that name.
	named bool
	// colTypes and refTypes are, for a live foreign key whose table or
	// referenced table was not inspected, the types of the columns on that
	// side (PostgreSQL), so that a type change on the other side can be
	// checked against them; nil otherwise.
	colTypes, refTypes []ColumnType
}

// Check is a CHECK constraint.
type Check struct {
	Name string
	// Expr is the condition every row must meet, as SQL.
	Expr string

	raw      string // SQLite: the constraint as CREATE TABLE wrote it
	notValid bool   // PostgreSQL: added NOT VALID and never validated
}

// Column returns the column with the given name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// qualifiedName is the table name with its schema when one is set, as used
// in messages and plans.
func (t *Table) qualifiedName() string {
	return qualify(t.Schema, t.Name)
}

func qualify(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

// tableKey identifies a table within one database regardless of how the
// schema was spelled: "" is resolved to the current schema.
type tableKey struct{ schema, name string }

func keyOf(schema, name, current string) tableKey {
	if schema == "" {
		schema = current
	}
	return tableKey{schema, name}
}

// isExpr reports whether the index is compared by name only.
func (ix *Index) isExpr() bool { return ix.Expr != "" || ix.Where != "" }

// sameColumns reports whether two indexes have the same key columns, in order.
func (ix *Index) sameKey(o *Index) bool {
	return slices.Equal(ix.Columns, o.Columns)
}

// sameColumnSet reports whether two column lists hold the same names in any order.
func sameColumnSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func normalizeAction(a string) string {
	a = strings.ToUpper(strings.Join(strings.Fields(a), " "))
	if a == "" {
		return "NO ACTION"
	}
	return a
}

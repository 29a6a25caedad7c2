package schema

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

func defaultWord(d string) string {
	if d == "" {
		return "no default"
	}
	return "DEFAULT " + d
}

// describeColumn renders a column definition for a plan.
func describeColumn(c *Column) string {
	s := c.Type.String()
	if !c.Nullable {
		s += " NOT NULL"
	}
	if c.AutoIncrement {
		s += " auto-increment"
	}
	if c.Default != "" {
		s += " DEFAULT " + c.Default
	}
	return s
}

func describeIndex(ix *Index) string {
	var s string
	switch {
	case ix.Expr != "":
		s = "(" + ix.Expr + ")"
	default:
		s = "(" + strings.Join(ix.Columns, ", ") + ")"
	}
	if ix.Unique && !ix.Constraint {
		s = "UNIQUE " + s
	}
	if ix.Where != "" {
		s += " WHERE " + ix.Where
	}
	return s
}

func describeFK(fk *ForeignKey) string {
	s := fmt.Sprintf("(%s) -> %s (%s)", strings.Join(fk.Columns, ", "), qualify(fk.RefSchema, fk.RefTable), strings.Join(fk.RefColumns, ", "))
	if fk.OnDelete != "NO ACTION" {
		s += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "NO ACTION" {
		s += " ON UPDATE " + fk.OnUpdate
	}
	return s
}

// Kind says what a change does. Kinds read as sentences: AddColumn,
// WidenType, DropForeignKey.
type Kind string

// The kinds of change a plan holds.
const (
	CreateSchema      Kind = "CreateSchema" // a schema (MySQL: database) a model's table names
	CreateTable       Kind = "CreateTable"
	DropTable         Kind = "DropTable"
	RenameTable       Kind = "RenameTable"  // slipway:"was:old" on bun.BaseModel
	RenameColumn      Kind = "RenameColumn" // slipway:"was:old" on a field
	AddColumn         Kind = "AddColumn"
	DropColumn        Kind = "DropColumn"
	WidenType         Kind = "WidenType"  // value-preserving type change: varchar(40) -> varchar(60), int -> bigint
	ChangeType        Kind = "ChangeType" // narrowing or incompatible type change
	SetNotNull        Kind = "SetNotNull"
	DropNotNull       Kind = "DropNotNull"
	SetDefault        Kind = "SetDefault"
	DropDefault       Kind = "DropDefault"
	AddAutoIncrement  Kind = "AddAutoIncrement"
	DropAutoIncrement Kind = "DropAutoIncrement"
	AddPrimaryKey     Kind = "AddPrimaryKey"
	DropPrimaryKey    Kind = "DropPrimaryKey"
	AddUnique         Kind = "AddUnique" // UNIQUE constraint
	DropUnique        Kind = "DropUnique"
	AddIndex          Kind = "AddIndex"
	DropIndex         Kind = "DropIndex"
	AddForeignKey     Kind = "AddForeignKey"
	DropForeignKey    Kind = "DropForeignKey"
	AddCheck          Kind = "AddCheck"   // CHECK constraint
	DropCheck         Kind = "DropCheck"  //
	SetComment        Kind = "SetComment" // a column's comment
)

// Class is a change's safety class (DESIGN.md, "Safety classes").
type Class string

const (
	// Safe changes keep every row and are applied.
	Safe Class = "safe"
	// WouldFail changes cannot succeed on the data as it is (a NOT NULL
	// column on a table with rows, a unique index over duplicates, ...).
	// A plan holding one is refused before any DDL runs.
	WouldFail Class = "would fail"
	// Destructive changes may lose data (narrowing a type, dropping a
	// column). They are withheld unless MigrateOptions.AllowDataLoss is set.
	Destructive Class = "destructive"
	// Extra changes remove what the database has and the models do not
	// declare (an index, a foreign key). They are withheld unless
	// MigrateOptions.AllowDataLoss is set.
	Extra Class = "extra"
	// Blocking changes rewrite or scan a big table under a lock that blocks
	// its writes (and on PostgreSQL its reads) until they finish: changing
	// int to bigint on PostgreSQL, adding a column with a volatile default,
	// a type change MySQL can only do by copying the table. On a table
	// estimated above the migrator's row threshold (WithBlockingThreshold)
	// they are withheld unless MigrateOptions.AllowBlocking is set; the
	// reason says which lock, roughly how many rows, and the online way.
	Blocking Class = "blocking"
)

// Change is one difference between the models and the database, and what
// the plan does about it.
type Change struct {
	Kind  Kind
	Class Class
	// Table is the table the change is about, schema-qualified when the
	// model names a schema.
	Table string
	// Column is the column the change is about, if any.
	Column string
	// Name is the index or constraint the change is about, if any.
	Name string
	// From and To describe the old and the new definition ("varchar(40)",
	// "NOT NULL", an index's columns); empty when not applicable.
	From, To string
	// Withheld is true when the change is reported but not applied:
	// destructive and extra changes without AllowDataLoss.
	Withheld bool
	// Reason explains a WouldFail or withheld change and how to proceed.
	Reason string
	// SQL applies the change: a whole statement, or the clause of the
	// table's single ALTER TABLE statement it belongs to. Withheld changes
	// show the SQL they would run with AllowDataLoss.
	SQL string

	// Build data for the dialect, unexported. col is the model's column
	// and old the live one; target is the column as the plan leaves it, the
	// same for every change of one column (a withheld change keeps the live
	// attribute).
	col, old, target *Column
	index            *Index
	fk               *ForeignKey
	chk              *Check
	pk               *PrimaryKey
	check            *precheck
	// checkRows asks for a precheck of the rows a new key must hold
	// (duplicates, orphans), built once the table's other decisions are
	// made (see attachKeyChecks).
	checkRows bool
	// probe converts the live values of a column whose type changes, as a
	// precheck that fails rather than counts; see converter.
	probe func(ctx context.Context, db bun.IDB) (string, error)
}

// Applied reports whether the change is part of Plan.SQL.
func (c *Change) Applied() bool { return !c.Withheld }

// String describes the change on one line, like a diff.
func (c *Change) String() string {
	var b strings.Builder
	switch c.Kind {
	case CreateSchema:
		fmt.Fprintf(&b, "+ schema %s", c.Name)
	case CreateTable:
		fmt.Fprintf(&b, "+ table %s", c.Table)
	case DropTable:
		fmt.Fprintf(&b, "- table %s", c.Table)
	case RenameTable:
		fmt.Fprintf(&b, "~ table %s -> %s (renamed)", c.From, c.Table)
	case RenameColumn:
		fmt.Fprintf(&b, "~ column %s.%s -> %s (renamed)", c.Table, c.From, c.Column)
	case AddColumn:
		fmt.Fprintf(&b, "+ column %s.%s %s", c.Table, c.Column, c.To)
	case DropColumn:
		fmt.Fprintf(&b, "- column %s.%s %s", c.Table, c.Column, c.From)
	case WidenType, ChangeType, SetNotNull, DropNotNull, SetDefault, DropDefault, AddAutoIncrement, DropAutoIncrement, SetComment:
		fmt.Fprintf(&b, "~ column %s.%s: %s -> %s", c.Table, c.Column, orNone(c.From), orNone(c.To))
	case AddCheck:
		fmt.Fprintf(&b, "+ check %s on %s (%s)", c.Name, c.Table, c.To)
	case DropCheck:
		fmt.Fprintf(&b, "- check %s on %s (%s)", c.Name, c.Table, c.From)
	case AddPrimaryKey, AddUnique, AddIndex, AddForeignKey:
		fmt.Fprintf(&b, "+ %s %s on %s %s", objectWord(c.Kind), c.Name, c.Table, c.To)
	case DropPrimaryKey, DropUnique, DropIndex, DropForeignKey:
		fmt.Fprintf(&b, "- %s %s on %s %s", objectWord(c.Kind), c.Name, c.Table, c.From)
	default:
		fmt.Fprintf(&b, "? %s %s", c.Kind, c.Table)
	}
	switch {
	case c.Class == WouldFail:
		fmt.Fprintf(&b, "  [refused: %s]", c.Reason)
	case c.Withheld:
		fmt.Fprintf(&b, "  [withheld, %s: %s]", c.Class, c.Reason)
	case c.Class != Safe:
		fmt.Fprintf(&b, "  [%s]", c.Class)
	case c.Reason != "":
		fmt.Fprintf(&b, "  (%s)", c.Reason)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func objectWord(k Kind) string {
	switch k {
	case AddPrimaryKey, DropPrimaryKey:
		return "primary key"
	case AddUnique, DropUnique:
		return "unique"
	case AddIndex, DropIndex:
		return "index"
	default:
		return "foreign key"
	}
}

// Plan is what a migration does, in order: the changes found and the SQL
// statements that apply them.
type Plan struct {
	// Dialect is the database the plan is for: "PostgreSQL", "MySQL", "SQLite".
	Dialect string
	// Rebuild is true for a plan that drops and re-creates the model tables.
	Rebuild bool
	// Changes lists every difference found, in the order they are applied.
	Changes []*Change

	statements []statement
	d          dialect
	// The inspection the plan was computed from, and the model tables it
	// compared: what a migration file's down is computed from (down.go).
	snap *snapshot
	want []*Table
	// tables are the model tables' names of a plan the schema state found
	// empty without building the tables (want is nil then).
	tables []string
	// fast is the plan's fast path (state.go): what to keep when the plan
	// turns out empty; nil when there is none.
	fast *fastState
}

// statement is one SQL statement of a plan and the table it changes.
type statement struct {
	sql   string
	table string
	// after is true for a statement that runs after the plan's transaction
	// commits, outside it, still under the migration lock: one that cannot
	// run in a transaction (PostgreSQL's CREATE INDEX CONCURRENTLY), or that
	// should not keep its table locked for a whole transaction (VALIDATE
	// CONSTRAINT, which scans the table).
	after bool
	// online is true when the statement's locks let its table's reads and
	// writes go on, so that it may wait for them as long as the migration
	// lock timeout allows. Every other statement waits for its table's lock
	// at most the migrator's DDL lock timeout, and is tried again.
	online bool
	// onFail cleans up after the statement when it fails: the invalid index
	// a failed concurrent build leaves behind.
	onFail string

	// MySQL: noFKChecks runs the statement with foreign_key_checks off, so
	// that it adds foreign keys in place (without a table copy); each of
	// checks must then count no row, else onFail undoes the statement.
	// copyOK lets the statement copy the table when the server cannot make
	// it in place: the table is small, or the migration allows blocking.
	noFKChecks bool
	checks     []string
	copyOK     bool
}

// stmts makes statements of plain SQL, run in the plan's transaction.
func stmts(sqls ...string) []statement {
	out := make([]statement, len(sqls))
	for i, s := range sqls {
		out[i] = statement{sql: s}
	}
	return out
}

// add appends statements that change table.
func (p *Plan) add(table string, ss ...statement) {
	for _, s := range ss {
		s.table = table
		p.statements = append(p.statements, s)
	}
}

// ordered is the plan's statements in the order Migrate executes them:
// those of the transaction first, then those after it.
func (p *Plan) ordered() (inTx, after []statement) {
	for _, s := range p.statements {
		if s.after {
			after = append(after, s)
		} else {
			inTx = append(inTx, s)
		}
	}
	return inTx, after
}

// SQL returns every statement Migrate executes for this plan, in order.
// Withheld changes are not in it. Nothing is executed when the plan holds a
// WouldFail change (see Err). On PostgreSQL, the statements that run after
// the plan's transaction (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT)
// come last; see docs/migrations.md.
func (p *Plan) SQL() []string {
	if p == nil {
		return nil
	}
	inTx, after := p.ordered()
	out := make([]string, 0, len(p.statements))
	for _, s := range append(inTx, after...) {
		out = append(out, s.sql)
	}
	return out
}

// Tables returns the model tables the plan compared with the database, in
// registration order: those the plan creates (a CreateTable change) and
// those the database has.
func (p *Plan) Tables() []string {
	if p == nil {
		return nil
	}
	if p.want == nil {
		return slices.Clone(p.tables)
	}
	out := make([]string, len(p.want))
	for i, t := range p.want {
		out[i] = t.qualifiedName()
	}
	return out
}

// Empty reports whether the plan executes nothing.
func (p *Plan) Empty() bool { return p == nil || len(p.statements) == 0 }

// Withheld returns the destructive and extra changes that are reported but
// not applied.
func (p *Plan) Withheld() []*Change {
	return p.filter(func(c *Change) bool { return c.Withheld })
}

// Refused returns the changes that would fail on the current data.
func (p *Plan) Refused() []*Change {
	return p.filter(func(c *Change) bool { return c.Class == WouldFail })
}

func (p *Plan) filter(keep func(*Change) bool) []*Change {
	if p == nil {
		return nil
	}
	var out []*Change
	for _, c := range p.Changes {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// Err returns a *RefusedError when the plan holds changes that would fail,
// and nil otherwise.
func (p *Plan) Err() error {
	if refused := p.Refused(); len(refused) > 0 {
		return &RefusedError{Dialect: p.Dialect, Changes: refused}
	}
	return nil
}

// String renders the plan for a person: the changes like a diff, then the
// SQL.
func (p *Plan) String() string {
	if p == nil {
		return "no plan\n"
	}
	var b strings.Builder
	mode := "alter"
	if p.Rebuild {
		mode = "rebuild"
	}
	applied := len(p.Changes) - len(p.Withheld())
	fmt.Fprintf(&b, "%s plan (%s): %d %s", p.Dialect, mode, applied, plural(applied, "change", "changes"))
	if n := len(p.Withheld()); n > 0 {
		fmt.Fprintf(&b, ", %d withheld", n)
	}
	if n := len(p.Refused()); n > 0 {
		fmt.Fprintf(&b, ", %d refused", n)
	}
	b.WriteString("\n")
	if len(p.Changes) == 0 {
		b.WriteString("  database matches the models\n")
		return b.String()
	}
	for _, c := range p.Changes {
		b.WriteString("  ")
		b.WriteString(c.String())
		b.WriteString("\n")
	}
	if len(p.statements) > 0 {
		b.WriteString("SQL:\n")
		for _, s := range p.statements {
			b.WriteString("  ")
			b.WriteString(s.sql)
			b.WriteString(";\n")
		}
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

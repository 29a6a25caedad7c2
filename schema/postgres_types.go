package schema

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// PostgreSQL types: canonical spellings, defaults, widening, the foreign
// keys it can join, and how a type change converts values.

// pgTypeNames maps PostgreSQL's type spellings to the canonical ones.
var pgTypeNames = map[string]string{
	"int": "integer", "int4": "integer", "integer": "integer", "serial": "integer", "serial4": "integer",
	"int8": "bigint", "bigint": "bigint", "bigserial": "bigint", "serial8": "bigint",
	"int2": "smallint", "smallint": "smallint", "smallserial": "smallint", "serial2": "smallint",
	"float8": "double precision", "double precision": "double precision",
	"float4": "real", "real": "real",
	"bool": "boolean", "boolean": "boolean",
	"varchar": "varchar", "character varying": "varchar",
	"char": "char", "character": "char",
	"decimal": "numeric", "numeric": "numeric",
	"timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
	"timestamp": "timestamp", "timestamp without time zone": "timestamp",
	"timetz": "timetz", "time with time zone": "timetz",
	"time": "time", "time without time zone": "time",
	"varbit": "varbit", "bit varying": "varbit",
}

func (postgres) parseType(s string) (ColumnType, error) {
	if strings.Contains(s, `"`) { // a quoted user-defined type: keep it as written
		return ColumnType{Name: strings.TrimSpace(s)}, nil
	}
	base, args, array, err := splitType(strings.ToLower(s))
	if err != nil {
		return ColumnType{}, err
	}
	t := ColumnType{Name: base, Args: args, Array: array}
	if canonical, ok := pgTypeNames[base]; ok {
		t.Name = canonical
	}
	switch t.Name {
	case "float":
		t.Name, t.Args = "double precision", nil
		if len(args) == 1 {
			if p, err := strconv.Atoi(args[0]); err == nil && p <= 24 {
				t.Name = "real"
			}
		}
	case "char", "bit":
		if len(t.Args) == 0 {
			t.Args = []string{"1"}
		}
	case "numeric":
		if len(t.Args) == 1 {
			t.Args = append(t.Args, "0")
		}
	}
	return t, nil
}

func (postgres) normalizeDefault(expr string, typ ColumnType) string {
	s := strings.TrimSpace(expr)
	for {
		next := stripTrailingCast(stripOuterParens(s))
		if next == s {
			break
		}
		s = next
	}
	if strings.EqualFold(s, "null") || s == "" {
		return ""
	}
	literal, quoted := s, false
	if isQuoted(s) {
		literal, quoted = unquote(s), true
	}
	if !typ.Array {
		switch {
		case pgNumeric(typ.Name):
			if n, ok := canonicalNumber(literal); ok {
				return n
			}
		case typ.Name == "boolean":
			if b, ok := canonicalBool(literal); ok {
				return b
			}
		case pgTextual(typ.Name) && !quoted:
			// A number or boolean default of a text column is stored as the
			// text it converts to.
			if _, ok := canonicalNumber(s); ok {
				return quoteString(s)
			}
			if strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
				return quoteString(strings.ToLower(s))
			}
		}
	}
	if quoted {
		return quoteString(literal)
	}
	s = canonicalExpr(stripLiteralCasts(s))
	switch s {
	case "now()", "transaction_timestamp()", "current_timestamp":
		return "current_timestamp"
	}
	return s
}

func pgTextual(name string) bool {
	return name == "varchar" || name == "text" || name == "char"
}

func pgNumeric(name string) bool {
	switch name {
	case "smallint", "integer", "bigint", "real", "double precision", "numeric", "money":
		return true
	}
	return false
}

var pgIntRank = map[string]int{"smallint": 1, "integer": 2, "bigint": 3}

// pgIntDigits is how many decimal digits each integer type may need.
var pgIntDigits = map[string]int{"smallint": 5, "integer": 10, "bigint": 19}

func (pg postgres) widens(from, to ColumnType) bool {
	if from.Array != to.Array {
		return false
	}
	if from.Name == to.Name {
		switch from.Name {
		case "varchar", "varbit":
			return to.Length() == 0 || (from.Length() != 0 && to.Length() >= from.Length())
		case "numeric":
			return numericWidens(from, to)
		case "timestamp", "timestamptz", "time", "timetz", "interval":
			return len(to.Args) == 0 || (len(from.Args) > 0 && to.Precision() >= from.Precision())
		}
		return false
	}
	switch {
	case from.Name == "varchar" && to.Name == "text":
		return true
	case from.Name == "text" && to.Name == "varchar":
		return to.Length() == 0
	case pgIntRank[from.Name] > 0 && pgIntRank[to.Name] > 0:
		return pgIntRank[to.Name] > pgIntRank[from.Name]
	case pgIntRank[from.Name] > 0 && to.Name == "numeric":
		return len(to.Args) == 0 || to.Precision()-to.Scale() >= pgIntDigits[from.Name]
	case from.Name == "real" && to.Name == "double precision":
		return true
	case from.Name == "smallint" && (to.Name == "real" || to.Name == "double precision"),
		from.Name == "integer" && to.Name == "double precision":
		return true
	}
	return false
}

// fkTypesMatch: a foreign key needs an equality operator between the two
// types in the referenced key's operator family: integers of any size join,
// as do text types, floating-point types, numerics, and equal types.
func (postgres) fkTypesMatch(child, parent ColumnType) bool {
	if child.Array != parent.Array {
		return false
	}
	family := func(t ColumnType) string {
		switch {
		case pgIntRank[t.Name] > 0:
			return "integer"
		case t.Name == "varchar" || t.Name == "text":
			return "text"
		case t.Name == "real" || t.Name == "double precision":
			return "float"
		}
		return t.Name
	}
	return family(child) == family(parent)
}

// pgCastVia is the type a conversion goes through where PostgreSQL has no
// direct cast: booleans convert to and from integer only.
func pgCastVia(from, to ColumnType) string {
	numeric := func(t ColumnType) bool { return pgNumeric(t.Name) && t.Name != "integer" && !t.Array }
	switch {
	case to.Name == "boolean" && !to.Array && numeric(from),
		from.Name == "boolean" && !from.Array && numeric(to):
		return "integer"
	}
	return ""
}

// castExpr is the conversion an incompatible type change applies to each
// value (its USING clause).
func (postgres) castExpr(col string, from, to ColumnType) (string, bool) {
	if via := pgCastVia(from, to); via != "" {
		return fmt.Sprintf("%s::%s::%s", col, via, to), true
	}
	return fmt.Sprintf("%s::%s", col, to), true
}

// probeConversion converts every value of the column as the type change
// would, in a query, and reports the value PostgreSQL cannot convert. In
// a transaction it runs under a savepoint, so that its failure leaves the
// transaction usable.
func (pg postgres) probeConversion(ctx context.Context, db bun.IDB, t *Table, col string, c *Change) (string, error) {
	expr, _ := pg.castExpr(pg.quote(col), c.old.Type, c.col.Type)
	query := fmt.Sprintf("SELECT count(%s) FROM %s", expr, pg.quoteTable(t))
	tx, inTx := db.(bun.Tx)
	if inTx {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT slipway_probe"); err != nil {
			return "", err
		}
	}
	_, err := db.ExecContext(ctx, query)
	if inTx {
		undo := "RELEASE SAVEPOINT slipway_probe"
		if err != nil {
			undo = "ROLLBACK TO SAVEPOINT slipway_probe"
		}
		if _, uerr := tx.ExecContext(ctx, undo); uerr != nil {
			return "", errors.Join(err, uerr)
		}
	}
	state := sqlState(err)
	switch {
	case err == nil:
		return "", nil
	case strings.HasPrefix(state, "22"), state == "42846", state == "42804", state == "42883":
		return fmt.Sprintf("cannot change column %q from %s to %s: %s (correct or clear those values first)", c.Column, c.old.Type, c.col.Type, pgErrorText(err)), nil
	default:
		return "", err
	}
}

// pgErrorText is a driver error's message without its "ERROR: " prefix and
// SQLSTATE suffix.
func pgErrorText(err error) string {
	s := strings.TrimPrefix(err.Error(), "ERROR: ")
	if i := strings.LastIndex(s, " (SQLSTATE "); i > 0 {
		s = s[:i]
	}
	return s
}

// pgRewrites reports whether changing a column from one type to the other
// rewrites the table: every type change does, but those PostgreSQL makes
// in the catalog alone (ALTER TABLE's "binary coercible" and typmod
// cases): a longer or unbounded varchar, varchar to text, a numeric with
// more precision and the same scale, a time type with more precision.
func pgRewrites(from, to ColumnType) bool {
	if from.Array != to.Array {
		return true
	}
	switch {
	case from.Name == "varchar" && to.Name == "varchar", from.Name == "varbit" && to.Name == "varbit":
		return to.Length() != 0 && (from.Length() == 0 || to.Length() < from.Length())
	case from.Name == "varchar" && to.Name == "text":
		return false
	case from.Name == "text" && to.Name == "varchar":
		return to.Length() != 0
	case from.Name == "numeric" && to.Name == "numeric":
		return len(to.Args) != 0 && (len(from.Args) == 0 || to.Scale() != from.Scale() || to.Precision() < from.Precision())
	case from.Name == to.Name && (from.Name == "timestamp" || from.Name == "timestamptz" || from.Name == "time" || from.Name == "timetz" || from.Name == "interval"):
		return len(to.Args) != 0 && (len(from.Args) == 0 || to.Precision() < from.Precision())
	}
	return !from.equal(to)
}

// pgVolatile are PostgreSQL's built-in volatile functions a default may
// call; pgStable are functions a default calls that are not volatile. A
// default calling a function in neither list is taken as volatile, which
// may withhold a change that would not have rewritten the table, never the
// other way.
var (
	pgVolatile = map[string]bool{
		"random": true, "gen_random_uuid": true, "uuid_generate_v1": true, "uuid_generate_v1mc": true, "uuid_generate_v4": true,
		"clock_timestamp": true, "timeofday": true, "nextval": true, "setval": true, "txid_current": true, "pg_current_xact_id": true,
	}
	pgStable = map[string]bool{
		"now": true, "transaction_timestamp": true, "statement_timestamp": true, "current_setting": true,
		"lower": true, "upper": true, "btrim": true, "ltrim": true, "rtrim": true, "trim": true, "concat": true, "coalesce": true,
		"length": true, "substring": true, "substr": true, "replace": true, "to_char": true, "to_timestamp": true, "to_date": true,
		"date_trunc": true, "make_date": true, "make_timestamp": true, "abs": true, "round": true, "floor": true, "ceil": true,
		"greatest": true, "least": true, "md5": true, "json_build_object": true, "jsonb_build_object": true, "json_build_array": true,
		"jsonb_build_array": true, "array": true,
	}
)

// pgVolatileDefault reports whether a default expression calls a function
// that may be volatile: a column added with it rewrites the table, since
// PostgreSQL evaluates it for every row.
func pgVolatileDefault(expr string) bool {
	toks := lexSQL(expr)
	for i, t := range toks {
		if t.kind != 'w' || i+1 >= len(toks) || toks[i+1].kind != '(' {
			continue
		}
		name := strings.ToLower(t.text)
		if pgVolatile[name] || !pgStable[name] {
			return true
		}
	}
	return false
}

// blocks says which changes rewrite or scan the table under its ACCESS
// EXCLUSIVE lock, which blocks reads and writes until the statement ends;
// the others, as alterTable writes them, hold it only for a moment.
func (pg postgres) blocks(c *Change, live *Table) (lock, instead string) {
	const rewrite = "rewrites the table under an ACCESS EXCLUSIVE lock, which blocks its reads and writes until the rewrite ends"
	switch c.Kind {
	case WidenType, ChangeType:
		if pgRewrites(c.old.Type, c.col.Type) {
			return rewrite, fmt.Sprintf("add a %s column, fill it in batches, and swap it in", c.col.Type)
		}
	case AddColumn:
		if d := c.col.defaultSQL(); d != "" && !c.col.AutoIncrement && pgVolatileDefault(d) {
			return "adding a column whose default is volatile " + rewrite,
				"add the column without the default, set the default, then fill the rows in batches"
		}
		if c.col.AutoIncrement {
			return "adding a serial or identity column " + rewrite, "add a nullable column, fill it in batches, then make it the key"
		}
	case AddPrimaryKey:
		return "building a primary key scans the table under an ACCESS EXCLUSIVE lock",
			"CREATE UNIQUE INDEX CONCURRENTLY on the columns, then ADD PRIMARY KEY USING INDEX"
	}
	return "", ""
}

package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// The three inspection queries compare every information_schema view's
// schema column with one constant, "=", and never join two views. MariaDB
// narrows a view to the databases and tables named that way, and opens
// every table of every database on the server for anything else: a join
// condition, IN, or an OR of databases. So each view and each database of
// the requested tables is a UNION ALL branch of its own, and rows of
// different views are matched here.

// myGroup is the requested tables of one database.
type myGroup struct {
	schema string // the database in SQL: "DATABASE()" or "?"
	args   []any  // the argument of "?"
	names  []string
}

// myGroups groups the requested tables by database, the connection's first.
func myGroups(tables []tableKey) []myGroup {
	bySchema := map[string][]string{}
	seen := make(map[tableKey]bool, len(tables))
	var schemas []string
	for _, k := range tables {
		if _, ok := bySchema[k.schema]; !ok {
			schemas = append(schemas, k.schema)
		}
		if !seen[k] {
			seen[k] = true
			bySchema[k.schema] = append(bySchema[k.schema], k.name)
		}
	}
	sort.Strings(schemas)
	if len(schemas) == 0 {
		return []myGroup{{schema: "DATABASE()", names: []string{""}}} // matches nothing
	}
	groups := make([]myGroup, len(schemas))
	for i, sc := range schemas {
		groups[i] = myGroup{schema: "DATABASE()", names: bySchema[sc]}
		if sc != "" {
			groups[i].schema, groups[i].args = "?", []any{sc}
		}
	}
	return groups
}

// myUnion writes branch once per group, joined by UNION ALL. branch
// formats its SQL with the group's schema and table names and returns it
// with its arguments in placeholder order.
func myUnion(groups []myGroup, branch func(g myGroup) (string, []any)) (string, []any) {
	var (
		parts []string
		args  []any
	)
	for _, g := range groups {
		sql, a := branch(g)
		parts = append(parts, sql)
		args = append(args, a...)
	}
	return strings.Join(parts, "\nUNION ALL\n"), args
}

// inTables is the arguments of a branch that compares its schema with the
// group's database, then its table names with the group's tables.
func (g myGroup) inTables() []any {
	return append(slices.Clone(g.args), bun.List(g.names))
}

// myTablesBranch and myColumnsBranch read the requested tables (and views
// and sequences under their names) and their columns.
const (
	myTablesBranch = `SELECT 'T', TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_COLLATION, TABLE_ROWS, NULL, NULL, NULL, NULL, NULL, 0
FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?)`
	myColumnsBranch = `SELECT 'C', TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
	COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION, ORDINAL_POSITION
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?)`
)

// myIndexesBranch reads indexes. myChecksBranch reads CHECK constraints on
// MariaDB, which also keeps a JSON column as longtext with a json_valid
// check; MySQL 8 names a check's table in TABLE_CONSTRAINTS only
// (myCheckTablesBranch) and its condition in CHECK_CONSTRAINTS
// (myCheckClausesBranch), matched here by name, unique in a database.
const (
	myIndexesBranch = `SELECT 'I', TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE, SEQ_IN_INDEX, COLLATION
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?)`
	myChecksBranch = `SELECT 'K', CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, 0, CHECK_CLAUSE, NULL, NULL, 0, NULL
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME IN (?)`
	myCheckTablesBranch = `SELECT 'k', TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, 0, NULL, NULL, NULL, 0, NULL
FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?) AND CONSTRAINT_TYPE = 'CHECK'`
	myCheckClausesBranch = `SELECT 'c', CONSTRAINT_SCHEMA, '', CONSTRAINT_NAME, 0, CHECK_CLAUSE, NULL, NULL, 0, NULL
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s`
)

// myKeyColumnsBranch reads the key columns of the foreign keys of the
// requested tables and of the tables in their databases that reference
// them (%[2]s); myRulesBranch reads their rules.
const (
	myKeyColumnsBranch = `SELECT 'F', TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME,
	REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME, ORDINAL_POSITION
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = %[1]s AND REFERENCED_TABLE_NAME IS NOT NULL AND (TABLE_NAME IN (?) OR %[2]s)`
	myRulesBranch = `SELECT 'R', CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, NULL, NULL, 0
FROM information_schema.REFERENTIAL_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = %s AND (TABLE_NAME IN (?) OR REFERENCED_TABLE_NAME IN (?))`
)

func (my mysql) inspect(ctx context.Context, db bun.IDB, tables []tableKey) (*snapshot, error) {
	snap := newSnapshot()
	groups := myGroups(tables)
	mariaDB, err := my.readObjects(ctx, db, groups, snap)
	if err != nil {
		return nil, fmt.Errorf("inspect columns: %w", err)
	}
	if err := my.readIndexes(ctx, db, groups, mariaDB, snap); err != nil {
		return nil, fmt.Errorf("inspect indexes: %w", err)
	}
	if err := my.readForeignKeys(ctx, db, groups, snap); err != nil {
		return nil, fmt.Errorf("inspect foreign keys: %w", err)
	}
	for _, t := range snap.tables {
		myMarkImplicitIndexes(t)
	}
	return snap, nil
}

type myColumnRow struct {
	key                                                       tableKey
	name, typ, nullable, extra, collation, comment, generated string
	def                                                       sql.NullString
	pos                                                       int64
}

// readObjects reads tables and columns, and reports whether the server is
// MariaDB.
func (my mysql) readObjects(ctx context.Context, db bun.IDB, groups []myGroup, snap *snapshot) (bool, error) {
	tablesSQL, args := myUnion(groups, func(g myGroup) (string, []any) { return fmt.Sprintf(myTablesBranch, g.schema), g.inTables() })
	columnsSQL, columnArgs := myUnion(groups, func(g myGroup) (string, []any) { return fmt.Sprintf(myColumnsBranch, g.schema), g.inTables() })
	query := "SELECT 'D', DATABASE(), VERSION(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0\nUNION ALL\n" +
		tablesSQL + "\nUNION ALL\n" + columnsSQL
	args = append(args, columnArgs...)
	var named []any // databases the tables name
	for _, g := range groups {
		named = append(named, g.args...)
	}
	if len(named) > 0 {
		query += "\nUNION ALL\nSELECT 'S', SCHEMA_NAME, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)"
		args = append(args, bun.List(named))
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var (
		version    string
		current    sql.NullString
		collations = map[tableKey]string{}
		columns    []myColumnRow
		found      = map[string]bool{} // named databases that exist
	)
	for rows.Next() {
		var (
			kind                                   string
			s1, s2, s3, s4, s5, s6, s7, s8, s9, s0 sql.NullString
			pos                                    sql.NullInt64
		)
		if err := rows.Scan(&kind, &s1, &s2, &s3, &s4, &s5, &s6, &s7, &s8, &s9, &s0, &pos); err != nil {
			return false, err
		}
		key := tableKey{s1.String, s2.String}
		switch kind {
		case "D":
			current, version = s1, s2.String
		case "S":
			found[s1.String] = true
		case "T":
			switch s3.String {
			case "BASE TABLE", "SYSTEM VERSIONED":
				t := &Table{Schema: key.schema, Name: key.name, rows: -1}
				if n, err := strconv.ParseInt(s5.String, 10, 64); err == nil {
					t.rows = n // InnoDB's estimate
				}
				snap.tables[key] = t
				collations[key] = s4.String
			default:
				snap.others[key] = strings.ToLower(s3.String)
			}
		case "C":
			columns = append(columns, myColumnRow{key: key, name: s3.String, typ: s4.String, nullable: s5.String, def: s6,
				extra: s7.String, collation: s8.String, comment: s9.String, generated: s0.String, pos: pos.Int64})
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if !current.Valid {
		return false, errors.New("the connection has no current database: name one in the URL (mysql://host:3306/dbname)")
	}
	snap.current = current.String
	for _, name := range named {
		if !found[name.(string)] {
			snap.missingSchemas[name.(string)] = true
		}
	}
	mariaDB := strings.Contains(version, "MariaDB")
	// Tables of the current database display without it, as models name them.
	for key, t := range snap.tables {
		t.Schema = snap.display(key.schema)
	}

	slices.SortStableFunc(columns, func(a, b myColumnRow) int { return int(a.pos - b.pos) })
	for _, r := range columns {
		t := snap.tables[r.key]
		ct, err := my.parseType(r.typ)
		if err != nil {
			return false, fmt.Errorf("table %q column %q: type %q: %w", r.key.name, r.name, r.typ, err)
		}
		if t == nil {
			if snap.others[r.key] == "view" {
				snap.viewColumn(r.key, &Column{Name: r.name, Type: ct, Nullable: r.nullable == "YES"})
			}
			continue
		}
		c := &Column{Name: r.name, Type: ct, Nullable: r.nullable == "YES"}
		extra := strings.ToLower(r.extra)
		switch {
		case strings.Contains(extra, "auto_increment"):
			c.AutoIncrement = true
		case strings.Contains(extra, "generated") && r.generated != "" && !strings.Contains(extra, "default_generated"):
			c.generated = r.generated
		default:
			c.rawDefault = myCatalogDefault(r.def, r.extra, ct, mariaDB)
			c.Default = my.normalizeDefault(c.rawDefault, ct)
		}
		var attrs myAttrs
		if r.collation != "" && r.collation != collations[r.key] && myTextual(ct) {
			attrs.collation = r.collation
		}
		attrs.comment = r.comment
		c.Comment = r.comment
		attrs.invisible = strings.Contains(extra, "invisible")
		if attrs != (myAttrs{}) {
			c.mysql = &attrs
		}
		if myTextual(ct) {
			c.charBytes = myCharBytes(r.collation)
		}
		t.Columns = append(t.Columns, c)
	}
	return mariaDB, nil
}

var myJSONCheck = regexp.MustCompile("^(?i)\\(?\\s*json_valid\\s*\\(\\s*`?([^`()]+)`?\\s*\\)\\s*\\)?$")

// myJSONCheckColumn returns the column of a "json_valid(`col`)" check.
func myJSONCheckColumn(clause string) (string, bool) {
	m := myJSONCheck.FindStringSubmatch(strings.TrimSpace(clause))
	if m == nil {
		return "", false
	}
	return strings.ReplaceAll(m[1], "``", "`"), true
}

// myCharBytes is how many bytes a character takes at most in a collation's
// character set (4 when it cannot tell).
func myCharBytes(collation string) int {
	charset, _, _ := strings.Cut(strings.ToLower(collation), "_")
	switch charset {
	case "latin1", "ascii", "binary", "cp1250", "cp1251", "cp1256", "cp1257", "latin2", "latin5", "latin7", "greek", "hebrew", "koi8r", "koi8u", "swe7", "dec8", "hp8", "armscii8", "geostd8", "keybcs2", "cp850", "cp852", "cp866", "macce", "macroman", "tis620":
		return 1
	case "ucs2", "gbk", "big5", "sjis", "cp932", "euckr", "gb2312":
		return 2
	case "utf8", "utf8mb3", "ujis", "eucjpms":
		return 3
	}
	return 4
}

// myListQuery lists the base tables and views of one database ("" for the
// connection's), or of every database but the server's own when all is
// true.
const myListQuery = `
SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE = 'VIEW', TABLE_SCHEMA = DATABASE()
FROM information_schema.TABLES
WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW') AND CASE WHEN ?
	THEN TABLE_SCHEMA NOT IN ('information_schema', 'mysql', 'performance_schema', 'sys')
	ELSE TABLE_SCHEMA = coalesce(nullif(?, ''), DATABASE()) END
ORDER BY 1, 2`

func (mysql) listTables(ctx context.Context, db bun.IDB, schema string, all bool) ([]TableInfo, error) {
	return scanTableList(ctx, db, myListQuery, all, schema)
}

package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// mysql is the MySQL and MariaDB dialect (bun's mysqldialect). It is tested
// on MariaDB 10.11 and written for MySQL 8.0.16 and later as well; where the
// two servers report the same thing differently (integer display widths,
// JSON, column defaults) both spellings are read. See docs/migrations.md.
type mysql struct{}

var (
	_ dialect       = mysql{}
	_ actionMatcher = mysql{}
	_ indexChecker  = mysql{}
	_ fkTypeMatcher = mysql{}
	_ converter     = mysql{}
	_ valueCaster   = mysql{}
	_ schemaCreator = mysql{}
)

func (mysql) name() string { return "MySQL" }

func (mysql) quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

func (my mysql) quoteTable(t *Table) string {
	if t.Schema == "" {
		return my.quote(t.Name)
	}
	return my.quote(t.Schema) + "." + my.quote(t.Name)
}

func (mysql) checkIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty name")
	case utf8.RuneCountInString(ident) > 64:
		return fmt.Errorf("name is %d characters long; MySQL allows at most 64 (shorten it)", utf8.RuneCountInString(ident))
	case strings.HasSuffix(ident, " "):
		return errors.New("name ends with a space, which MySQL does not allow")
	case strings.IndexByte(ident, 0) >= 0:
		return errors.New("name contains a NUL byte")
	}
	return nil
}

func (mysql) lengthExpr(col string) string { return "CHAR_LENGTH(" + col + ")" }

// features: MySQL adds and drops indexes inside the table's one ALTER
// TABLE (so that a table is rebuilt at most once), resolves an unqualified
// reference in the referencing table's database, and cannot change the type
// of a column a foreign key uses.
func (mysql) features() features { return alterIndexes | qualifyRefs | fkTypesLocked }

// fkTypesMatch: InnoDB joins integers of the same size and signedness,
// decimals of the same precision and scale, and strings of any length; other
// types must be the same.
func (mysql) fkTypesMatch(child, parent ColumnType) bool {
	switch {
	case myIntRank[child.Name] > 0:
		return child.Name == parent.Name && child.Unsigned == parent.Unsigned
	case myTextual(child) && child.Name != "enum" && child.Name != "set":
		return myTextual(parent) && parent.Name != "enum" && parent.Name != "set"
	case child.Name == "varbinary" || child.Name == "binary":
		return parent.Name == "varbinary" || parent.Name == "binary"
	}
	return child.equal(parent)
}

// sameAction: InnoDB treats RESTRICT and NO ACTION alike (both are checked
// at once), and MariaDB reports RESTRICT for a foreign key declared without
// a rule.
func (mysql) sameAction(a, b string) bool {
	canon := func(s string) string {
		if s == "RESTRICT" {
			return "NO ACTION"
		}
		return s
	}
	return canon(a) == canon(b)
}

// checkIndex rejects indexes MySQL cannot build as declared.
func (my mysql) checkIndex(t *Table, ix *Index) error {
	switch {
	case strings.EqualFold(ix.Name, "PRIMARY"):
		return errors.New(`"PRIMARY" is the name MySQL reserves for the primary key (choose another name)`)
	case ix.Where != "":
		return errors.New("MySQL and MariaDB have no partial indexes (drop Where, or index a generated column)")
	case ix.Expr != "":
		return errors.New("expression indexes are not supported on MySQL and MariaDB (index a generated column instead)")
	}
	for _, name := range ix.Columns {
		c := t.Column(name)
		if c != nil && myLOB(c.Type) {
			return fmt.Errorf("column %q is %s, which MySQL can index only by a prefix (declare it as varchar(N), e.g. bun:\"type:varchar(255)\")", name, c.Type)
		}
	}
	return nil
}

// ---- types ----

// myTypeNames maps MySQL's type aliases to the names its catalog reports.
var myTypeNames = map[string]string{
	"integer": "int", "int4": "int", "int1": "tinyint", "int2": "smallint", "int3": "mediumint",
	"middleint": "mediumint", "int8": "bigint",
	"bool": "tinyint", "boolean": "tinyint",
	"double precision": "double", "real": "double", "float8": "double", "float4": "float",
	"numeric": "decimal", "dec": "decimal", "fixed": "decimal",
	"character varying": "varchar", "character": "char", "nchar": "char", "national char": "char",
	"national character": "char", "nvarchar": "varchar", "national varchar": "varchar",
	"national character varying": "varchar", "nchar varchar": "varchar",
	"long varchar": "mediumtext", "long": "mediumtext", "long varbinary": "mediumblob",
}

var myIntRank = map[string]int{"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "bigint": 5}

// myIntBits is how many value bits each integer type has (signed types one
// fewer).
var myIntBits = map[string]int{"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64}

var myTextRank = map[string]int{"tinytext": 1, "text": 2, "mediumtext": 3, "longtext": 4}
var myBlobRank = map[string]int{"tinyblob": 1, "blob": 2, "mediumblob": 3, "longblob": 4}

func (mysql) parseType(s string) (ColumnType, error) {
	base, args, array, err := splitType(s)
	if err != nil {
		return ColumnType{}, err
	}
	if array {
		return ColumnType{}, errors.New("MySQL has no array types (store a JSON document instead)")
	}
	words := strings.Fields(strings.ToLower(base))
	var t ColumnType
	for len(words) > 1 && (words[len(words)-1] == "unsigned" || words[len(words)-1] == "signed" || words[len(words)-1] == "zerofill") {
		t.Unsigned = t.Unsigned || words[len(words)-1] != "signed" // ZEROFILL implies UNSIGNED
		words = words[:len(words)-1]
	}
	name := strings.Join(words, " ")
	if slices.Contains(words, "collate") || slices.Contains(words, "charset") || strings.Contains(name, "character set") {
		return ColumnType{}, errors.New("character set and collation are not part of the type on MySQL (set them on the database or table)")
	}
	isBool := name == "bool" || name == "boolean"
	if canonical, ok := myTypeNames[name]; ok {
		name = canonical
	}
	t.Name, t.Args = name, args
	switch {
	case myIntRank[name] > 0:
		// Display widths mean nothing (MySQL 8.0.19 stopped reporting them,
		// MariaDB still does), except tinyint(1), the spelling of a boolean.
		t.Args = nil
		if isBool || (name == "tinyint" && len(args) == 1 && args[0] == "1") {
			t.Args = []string{"1"}
		}
	case name == "decimal":
		switch len(args) {
		case 0:
			t.Args = []string{"10", "0"}
		case 1:
			t.Args = []string{args[0], "0"}
		}
	case name == "float" && len(args) == 1:
		t.Args = nil
		if p, err := strconv.Atoi(args[0]); err == nil && p > 24 {
			t.Name = "double"
		}
	case name == "char" || name == "binary" || name == "bit":
		if len(args) == 0 {
			t.Args = []string{"1"}
		}
	case name == "datetime" || name == "timestamp" || name == "time":
		if len(args) == 1 && args[0] == "0" {
			t.Args = nil
		}
	case name == "year":
		t.Args = nil
	case name == "serial": // BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE
		t.Name, t.Unsigned = "bigint", true
	case (name == "text" || name == "blob") && len(args) == 1:
		// TEXT(n) and BLOB(n) become the smallest type holding n characters
		// (4 bytes each in utf8mb4) or bytes.
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return ColumnType{}, fmt.Errorf("bad length %q", args[0])
		}
		if name == "text" {
			n *= 4
		}
		size := "long"
		switch {
		case n < 1<<8:
			size = "tiny"
		case n < 1<<16:
			size = ""
		case n < 1<<24:
			size = "medium"
		}
		t.Name, t.Args = size+name, nil
	}
	return t, nil
}

// myLOB reports the types MySQL stores off-row: they take no plain default
// and no index without a prefix length.
func myLOB(t ColumnType) bool {
	return myTextRank[t.Name] > 0 || myBlobRank[t.Name] > 0 || t.Name == "json" ||
		t.Name == "geometry" || t.Name == "point" || t.Name == "linestring" || t.Name == "polygon"
}

// myTextual reports the types that have a collation.
func myTextual(t ColumnType) bool {
	return t.Name == "varchar" || t.Name == "char" || myTextRank[t.Name] > 0 || t.Name == "enum" || t.Name == "set"
}

func myNumeric(t ColumnType) bool {
	switch t.Name {
	case "decimal", "float", "double", "bit":
		return true
	}
	return myIntRank[t.Name] > 0
}

func (mysql) widens(from, to ColumnType) bool {
	if from.Name == to.Name && from.Unsigned == to.Unsigned {
		switch from.Name {
		case "tinyint":
			return true // tinyint and tinyint(1) are the same storage
		case "varchar", "char", "varbinary", "bit":
			return to.Length() >= from.Length()
		case "decimal":
			return numericWidens(from, to)
		case "datetime", "timestamp", "time":
			return to.Precision() >= from.Precision()
		case "enum", "set":
			for _, v := range from.Args {
				if !slices.Contains(to.Args, v) {
					return false
				}
			}
			return true
		}
		return false
	}
	switch {
	case myIntRank[from.Name] > 0 && myIntRank[to.Name] > 0:
		// Signed to unsigned loses negative values; unsigned to signed needs
		// a wider type.
		if from.Unsigned == to.Unsigned {
			return myIntRank[to.Name] > myIntRank[from.Name]
		}
		return from.Unsigned && myIntRank[to.Name] > myIntRank[from.Name]
	case myIntRank[from.Name] > 0 && to.Name == "decimal":
		return (from.Unsigned || !to.Unsigned) && to.Precision()-to.Scale() >= myIntDigits(from)
	case myIntRank[from.Name] > 0 && (to.Name == "double" || to.Name == "float") && len(to.Args) == 0:
		// Exact while the integer fits the mantissa.
		mantissa := 53
		if to.Name == "float" {
			mantissa = 24
		}
		return (from.Unsigned || !to.Unsigned) && myIntBits[from.Name] <= mantissa
	case from.Name == "float" && to.Name == "double" && len(from.Args) == 0 && len(to.Args) == 0:
		return from.Unsigned || !to.Unsigned
	case (from.Name == "varchar" || from.Name == "char") && myTextRank[to.Name] > 0:
		// A tinytext holds 255 bytes, 63 characters of utf8mb4; a text
		// holds any varchar.
		return to.Name != "tinytext" || from.Length() <= 63
	case myTextRank[from.Name] > 0 && myTextRank[to.Name] > 0:
		return myTextRank[to.Name] > myTextRank[from.Name]
	case from.Name == "char" && to.Name == "varchar":
		return to.Length() >= from.Length()
	case from.Name == "varbinary" && myBlobRank[to.Name] > 0:
		return to.Name != "tinyblob" || from.Length() <= 255
	case myBlobRank[from.Name] > 0 && myBlobRank[to.Name] > 0:
		return myBlobRank[to.Name] > myBlobRank[from.Name]
	}
	return false
}

// myIntDigits is how many decimal digits the largest value of an integer
// type has.
func myIntDigits(t ColumnType) int {
	bits := myIntBits[t.Name]
	if !t.Unsigned {
		bits--
	}
	return len(strconv.FormatUint(math.MaxUint64>>(64-bits), 10))
}

// ---- defaults ----

var (
	myCurrentTimestamp = regexp.MustCompile(`^(?:current_timestamp|now|localtime|localtimestamp)(?:\((\d*)\))?$`)
	myIntroducer       = regexp.MustCompile(`(?i)_(?:utf8mb4|utf8mb3|utf8|latin1|binary|ascii)'`)
	myBitLiteral       = regexp.MustCompile(`^(?i)b'([01]*)'$`)
	myOnUpdate         = regexp.MustCompile(`(?i)\bon update\s+(\S.*)$`)
)

// normalizeDefault brings a default into one spelling for both servers and
// for models: literals unquoted and requoted, numbers canonical ("0.0000"
// is "0", true is "1"), every spelling of the current time as
// "current_timestamp" (with its precision), and an ON UPDATE clause kept as
// " on update ..." after the default.
func (my mysql) normalizeDefault(expr string, typ ColumnType) string {
	def, onUpdate := mySplitOnUpdate(strings.TrimSpace(expr))
	d := my.normalizeValue(def, typ)
	if onUpdate == "" {
		return d
	}
	if d == "" {
		d = "null"
	}
	return d + " on update " + my.normalizeValue(onUpdate, typ)
}

func (mysql) normalizeValue(s string, typ ColumnType) string {
	s = stripOuterParens(strings.TrimSpace(s))
	s = myIntroducer.ReplaceAllString(s, "'")
	if s == "" || strings.EqualFold(s, "null") {
		return ""
	}
	if m := myBitLiteral.FindStringSubmatch(s); m != nil && typ.Name == "bit" {
		n, err := strconv.ParseUint("0"+m[1], 2, 64)
		if err == nil {
			return strconv.FormatUint(n, 10)
		}
	}
	literal, quoted := mysqlUnquote(s)
	if !quoted {
		literal = s
		if myTextual(typ) {
			// A number or boolean default of a text column is stored as the
			// text it converts to.
			if _, ok := canonicalNumber(s); ok {
				return mysqlQuote(s)
			}
			switch strings.ToLower(s) {
			case "true":
				return "'1'"
			case "false":
				return "'0'"
			}
		}
	}
	if myNumeric(typ) {
		if n, ok := canonicalNumber(literal); ok {
			return n
		}
		switch strings.ToLower(literal) {
		case "true":
			return "1"
		case "false":
			return "0"
		}
	}
	if quoted {
		return mysqlQuote(myCanonicalTime(literal, typ))
	}
	s = renameFunctions(canonicalExpr(s), myFunctionNames)
	if m := myCurrentTimestamp.FindStringSubmatch(s); m != nil {
		if m[1] == "" || m[1] == "0" {
			return "current_timestamp"
		}
		return "current_timestamp(" + m[1] + ")"
	}
	return s
}

// myFunctionNames are the synonyms MariaDB and MySQL spell an expression
// default's functions with, mapped to one name: MariaDB keeps lower('B') as
// lcase('B'), now() as current_timestamp(), current_date as curdate(). A
// name without "(" is a keyword, written without parentheses.
var myFunctionNames = map[string]string{
	"lcase": "lower(", "ucase": "upper(", "substr": "substring(", "mid": "substring(",
	"now": "current_timestamp", "localtime": "current_timestamp", "localtimestamp": "current_timestamp",
	"current_timestamp": "current_timestamp", "curdate": "current_date", "current_date": "current_date",
	"curtime": "current_time", "current_time": "current_time", "ceiling": "ceil(", "pow": "power(",
	"character_length": "char_length(",
}

// myCanonicalTime spells a date-time literal as the catalog does: a date
// gets a midnight time, and fractional seconds get the column's precision.
func myCanonicalTime(s string, typ ColumnType) string {
	if typ.Name != "datetime" && typ.Name != "timestamp" {
		return s
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02"} {
		tm, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		out := tm.Format("2006-01-02 15:04:05")
		if p := typ.Precision(); p > 0 && p <= 6 {
			out += tm.Format(".000000")[:p+1]
		}
		return out
	}
	return s
}

// mySplitOnUpdate separates "DEFAULT-EXPR ON UPDATE EXPR" at a top-level ON
// UPDATE (outside quotes and parentheses). Unlike lastTopLevel it honours
// MySQL's backslash escapes in quotes and ignores case.
func mySplitOnUpdate(s string) (def, onUpdate string) {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && (c == 'o' || c == 'O') && (i == 0 || s[i-1] == ' ' || s[i-1] == ')'):
			if m := myOnUpdate.FindStringSubmatchIndex(s[i:]); m != nil && m[0] == 0 {
				return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+m[2]:])
			}
		}
	}
	return s, ""
}

// mysqlUnquote parses s as one single-quoted MySQL string literal, with
// doubled quotes and backslash escapes.
func mysqlUnquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; e {
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'Z':
				b.WriteByte(26)
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
		case c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			if i != len(s)-1 {
				return "", false // more follows the literal
			}
			return b.String(), true
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// mysqlQuote writes s as a MySQL string literal.
func mysqlQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}

// myCatalogDefault turns information_schema.COLUMNS.COLUMN_DEFAULT (and the ON
// UPDATE part of EXTRA) into SQL. MariaDB 10.2.7+ reports an SQL expression
// ('x', 1, current_timestamp(), and the string NULL for a nullable column
// without default); MySQL reports literals unquoted, SQL NULL for no
// default, and expression defaults flagged DEFAULT_GENERATED with their
// quotes escaped.
func myCatalogDefault(def sql.NullString, extra string, typ ColumnType, mariaDB bool) string {
	var s string
	switch {
	case !def.Valid:
	case mariaDB:
		if def.String != "NULL" {
			s = def.String
		}
	case myCurrentTimestamp.MatchString(canonicalExpr(def.String)):
		s = def.String
	case strings.Contains(strings.ToUpper(extra), "DEFAULT_GENERATED"):
		s = "(" + strings.ReplaceAll(def.String, `\'`, `'`) + ")"
	case myNumeric(typ) && (myNumberOK(def.String) || myBitLiteral.MatchString(def.String)):
		s = def.String
	default:
		s = mysqlQuote(def.String)
	}
	if m := myOnUpdate.FindStringSubmatch(extra); m != nil {
		if s == "" {
			s = "NULL"
		}
		s += " ON UPDATE " + strings.TrimSpace(m[1])
	}
	return s
}

func myNumberOK(s string) bool {
	_, ok := canonicalNumber(s)
	return ok
}

// ---- inspection ----

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
	var schemas []string
	for _, k := range tables {
		if _, ok := bySchema[k.schema]; !ok {
			schemas = append(schemas, k.schema)
		}
		if !slices.Contains(bySchema[k.schema], k.name) {
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
	return append(slices.Clone(g.args), bun.In(g.names))
}

// myTablesBranch and myColumnsBranch read the requested tables (and views
// and sequences under their names) and their columns.
const (
	myTablesBranch = `SELECT 'T', TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_COLLATION, NULL, NULL, NULL, NULL, NULL, NULL, 0
FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?)`
	myColumnsBranch = `SELECT 'C', TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
	COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION, ORDINAL_POSITION
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?)`
)

// myIndexesBranch reads indexes; myChecksBranch, on MariaDB only, CHECK
// constraints: MariaDB keeps a JSON column as longtext with a json_valid
// check.
const (
	myIndexesBranch = `SELECT 'I', TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE, SEQ_IN_INDEX
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?)`
	myChecksBranch = `SELECT 'K', CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, 0, CHECK_CLAUSE, NULL, NULL, 0
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME IN (?)`
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

// mysqlAttrs are what a MODIFY COLUMN must repeat so as not to lose them:
// MySQL replaces the whole column definition with the one given.
type mysqlAttrs struct {
	collation string // when it differs from the table's
	comment   string
	invisible bool
	check     string // MariaDB: the column's own CHECK constraint
}

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
		args = append(args, bun.In(named))
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
				snap.tables[key] = &Table{Schema: key.schema, Name: key.name}
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
		if t == nil {
			continue // a view's columns
		}
		ct, err := my.parseType(r.typ)
		if err != nil {
			return false, fmt.Errorf("table %q column %q: type %q: %w", r.key.name, r.name, r.typ, err)
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
		var attrs mysqlAttrs
		if r.collation != "" && r.collation != collations[r.key] && myTextual(ct) {
			attrs.collation = r.collation
		}
		attrs.comment = r.comment
		attrs.invisible = strings.Contains(extra, "invisible")
		if attrs != (mysqlAttrs{}) {
			c.mysql = &attrs
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

func (my mysql) readIndexes(ctx context.Context, db bun.IDB, groups []myGroup, mariaDB bool, snap *snapshot) error {
	query, args := myUnion(groups, func(g myGroup) (string, []any) { return fmt.Sprintf(myIndexesBranch, g.schema), g.inTables() })
	if mariaDB {
		checks, checkArgs := myUnion(groups, func(g myGroup) (string, []any) { return fmt.Sprintf(myChecksBranch, g.schema), g.inTables() })
		query += "\nUNION ALL\n" + checks
		args = append(args, checkArgs...)
	}
	rows, err := db.QueryContext(ctx, query+"\nORDER BY 1, 2, 3, 4, 9", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type indexKey struct {
		table *Table
		name  string
	}
	var (
		last     indexKey
		lastIx   *Index
		parts    = map[*Index][]string{} // key parts as SQL
		byName   = map[*Index]bool{}     // compared by name only
		kind     = map[*Index]string{}   // FULLTEXT, SPATIAL
		indexSet []*Index
	)
	for rows.Next() {
		var (
			row, nsp, rel, name string
			col, indexType      sql.NullString
			subPart             sql.NullInt64
			nonUnique, seq      int
		)
		if err := rows.Scan(&row, &nsp, &rel, &name, &nonUnique, &col, &subPart, &indexType, &seq); err != nil {
			return err
		}
		t := snap.tables[tableKey{nsp, rel}]
		if t == nil {
			continue
		}
		if row == "K" {
			// MariaDB's JSON is longtext with a json_valid check. Other
			// checks named after a column are that column's own, which a
			// MODIFY COLUMN on MariaDB drops unless it repeats them.
			if jsonCol, ok := myJSONCheckColumn(col.String); ok {
				if c := t.Column(jsonCol); c != nil && c.Type.Name == "longtext" {
					c.Type = ColumnType{Name: "json"}
					continue
				}
			}
			if c := t.Column(name); c != nil {
				if c.mysql == nil {
					c.mysql = &mysqlAttrs{}
				}
				c.mysql.check = col.String
			}
			continue
		}
		if name == "PRIMARY" {
			if t.PrimaryKey == nil {
				t.PrimaryKey = &PrimaryKey{Name: name}
			}
			t.PrimaryKey.Columns = append(t.PrimaryKey.Columns, col.String)
			if c := t.Column(col.String); c != nil {
				c.PrimaryKey = true
			}
			continue
		}
		if (indexKey{t, name}) != last {
			// MySQL has no unique index that is not a unique constraint.
			last, lastIx = indexKey{t, name}, &Index{Name: name, Unique: nonUnique == 0, Constraint: nonUnique == 0}
			t.Indexes = append(t.Indexes, lastIx)
			indexSet = append(indexSet, lastIx)
			if indexType.String != "BTREE" && indexType.String != "HASH" {
				byName[lastIx], kind[lastIx] = true, indexType.String+" "
			}
		}
		// Prefix, functional, full-text and spatial indexes are not what a
		// model declares: they are compared by name only.
		part := my.quote(col.String)
		switch {
		case !col.Valid:
			part = "(expression)"
			byName[lastIx] = true
		case subPart.Valid:
			part = fmt.Sprintf("%s(%d)", part, subPart.Int64)
			byName[lastIx] = true
		}
		lastIx.Columns = append(lastIx.Columns, col.String)
		parts[lastIx] = append(parts[lastIx], part)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ix := range indexSet {
		if byName[ix] {
			ix.Expr = kind[ix] + strings.Join(parts[ix], ", ")
			ix.Columns = nil
		}
	}
	return nil
}

func (my mysql) readForeignKeys(ctx context.Context, db bun.IDB, groups []myGroup, snap *snapshot) error {
	// Referencing the requested tables: a condition on columns MariaDB does
	// not narrow by, so OR is fine here.
	var (
		refs    []string
		refArgs []any
		names   []string
	)
	for _, g := range groups {
		refs = append(refs, fmt.Sprintf("(REFERENCED_TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME IN (?))", g.schema))
		refArgs = append(refArgs, g.inTables()...)
		names = append(names, g.names...)
	}
	refsSQL := "(" + strings.Join(refs, " OR ") + ")"
	keys, args := myUnion(groups, func(g myGroup) (string, []any) {
		return fmt.Sprintf(myKeyColumnsBranch, g.schema, refsSQL), append(g.inTables(), refArgs...)
	})
	rulesSQL, ruleArgs := myUnion(groups, func(g myGroup) (string, []any) {
		return fmt.Sprintf(myRulesBranch, g.schema), append(slices.Clone(g.args), bun.In(names), bun.In(names))
	})
	rows, err := db.QueryContext(ctx, keys+"\nUNION ALL\n"+rulesSQL+"\nORDER BY 1, 2, 3, 4, 9", append(args, ruleArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type fkKey struct {
		table tableKey
		name  string
	}
	var (
		byKey = map[fkKey]*ForeignKey{}
		order []fkKey
		rules = map[fkKey][2]string{}
	)
	for rows.Next() {
		var (
			row, nsp, rel, name string
			s1, s2, s3, s4      sql.NullString
			pos                 int
		)
		if err := rows.Scan(&row, &nsp, &rel, &name, &s1, &s2, &s3, &s4, &pos); err != nil {
			return err
		}
		key := fkKey{tableKey{nsp, rel}, name}
		if row == "R" {
			rules[key] = [2]string{s1.String, s2.String}
			continue
		}
		fk := byKey[key]
		if fk == nil {
			fk = &ForeignKey{Name: name, RefSchema: s2.String, RefTable: s3.String}
			byKey[key] = fk
			order = append(order, key)
		}
		fk.Columns = append(fk.Columns, s1.String)
		fk.RefColumns = append(fk.RefColumns, s4.String)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, key := range order {
		fk := byKey[key]
		rule, ok := rules[key]
		if !ok {
			return fmt.Errorf("table %q: foreign key %q has no row in REFERENTIAL_CONSTRAINTS", key.table.name, key.name)
		}
		fk.OnUpdate, fk.OnDelete = normalizeAction(rule[0]), normalizeAction(rule[1])
		ref := tableKey{fk.RefSchema, fk.RefTable}
		fk.RefSchema = snap.display(fk.RefSchema)
		if t := snap.tables[key.table]; t != nil {
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
		if snap.tables[ref] != nil {
			snap.referencedBy[ref] = append(snap.referencedBy[ref], inboundFK{from: key.table, fk: fk})
		}
	}
	return nil
}

// myMarkImplicitIndexes marks the index each foreign key needs: MySQL
// requires an index whose leading columns are the foreign key's, creates one
// (named after the constraint) when there is none, and refuses to drop it
// while the foreign key exists. Such an index is not an extra.
func myMarkImplicitIndexes(t *Table) {
	leads := func(cols, fkCols []string) bool {
		return len(cols) >= len(fkCols) && slices.Equal(cols[:len(fkCols)], fkCols)
	}
	for _, fk := range t.ForeignKeys {
		if t.PrimaryKey != nil && leads(t.PrimaryKey.Columns, fk.Columns) {
			continue
		}
		var candidates []*Index
		for _, ix := range t.Indexes {
			if ix.Expr == "" && leads(ix.Columns, fk.Columns) {
				candidates = append(candidates, ix)
			}
		}
		if slices.ContainsFunc(candidates, func(ix *Index) bool { return ix.Unique || ix.implicit }) {
			continue
		}
		switch {
		case len(candidates) == 1:
			candidates[0].implicit = true
		case len(candidates) > 1:
			for _, ix := range candidates {
				if ix.Name == fk.Name || ix.Name == fk.Columns[0] {
					ix.implicit = true
					break
				}
			}
		}
	}
}

// ---- DDL ----

func (my mysql) columnList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = my.quote(c)
	}
	return strings.Join(q, ", ")
}

// columnDef writes a column definition; attrs are the live column's
// attributes a MODIFY COLUMN keeps.
func (my mysql) columnDef(c *Column, attrs *mysqlAttrs) string {
	var b strings.Builder
	b.WriteString(my.quote(c.Name))
	b.WriteByte(' ')
	b.WriteString(c.Type.String())
	if attrs != nil && attrs.collation != "" && myTextual(c.Type) {
		b.WriteString(" COLLATE ")
		b.WriteString(attrs.collation)
	}
	if c.Nullable {
		b.WriteString(" NULL") // explicit: a TIMESTAMP column is NOT NULL by default on old settings
	} else {
		b.WriteString(" NOT NULL")
	}
	if c.AutoIncrement {
		b.WriteString(" AUTO_INCREMENT")
	} else if d := c.defaultSQL(); d != "" {
		b.WriteString(" DEFAULT ")
		b.WriteString(my.defaultClause(c.Type, d))
	}
	if attrs != nil && attrs.invisible {
		b.WriteString(" INVISIBLE")
	}
	if attrs != nil && attrs.comment != "" {
		b.WriteString(" COMMENT ")
		b.WriteString(mysqlQuote(attrs.comment))
	}
	if attrs != nil && attrs.check != "" && c.Type.Name != "json" {
		b.WriteString(" CHECK (")
		b.WriteString(attrs.check)
		b.WriteString(")")
	}
	return b.String()
}

// defaultClause writes a default. MySQL 8 takes an expression default only
// in parentheses, except CURRENT_TIMESTAMP and its synonyms, and a literal
// default for TEXT, BLOB and JSON only as an expression too (MariaDB takes
// both forms).
func (mysql) defaultClause(typ ColumnType, d string) string {
	if strings.HasPrefix(d, "(") && matchingParen(d, 0) == len(d)-1 {
		return d
	}
	def, onUpdate := mySplitOnUpdate(d)
	if myCurrentTimestamp.MatchString(canonicalExpr(def)) || strings.EqualFold(def, "null") {
		return d
	}
	if onUpdate == "" && (!myLiteral(def) || myLOB(typ)) {
		return "(" + d + ")"
	}
	return d
}

// myLiteral reports whether s is a literal MySQL takes as a plain default:
// a string, a number, a boolean, a bit or hex value.
func myLiteral(s string) bool {
	s = myIntroducer.ReplaceAllString(strings.TrimSpace(s), "'")
	if _, ok := mysqlUnquote(s); ok {
		return true
	}
	if _, ok := canonicalNumber(s); ok {
		return true
	}
	switch strings.ToLower(s) {
	case "true", "false":
		return true
	}
	return myBitLiteral.MatchString(s) || myHexLiteral.MatchString(s)
}

var myHexLiteral = regexp.MustCompile(`^(?i)(x'[0-9a-f]*'|0x[0-9a-f]+)$`)

func (my mysql) fkDef(fk *ForeignKey) string {
	ref := &Table{Schema: fk.RefSchema, Name: fk.RefTable}
	// Both rules are written out, as bun does: MariaDB reports a rule left
	// out as RESTRICT.
	return fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s ON UPDATE %s",
		my.quote(fk.Name), my.columnList(fk.Columns), my.quoteTable(ref), my.columnList(fk.RefColumns),
		normalizeAction(fk.OnDelete), normalizeAction(fk.OnUpdate))
}

func (my mysql) createTable(t *Table) []string {
	var defs []string
	for _, c := range t.Columns {
		defs = append(defs, my.columnDef(c, nil))
	}
	if t.PrimaryKey != nil {
		defs = append(defs, fmt.Sprintf("PRIMARY KEY (%s)", my.columnList(t.PrimaryKey.Columns)))
	}
	for _, ix := range t.Indexes {
		if ix.Constraint {
			defs = append(defs, fmt.Sprintf("UNIQUE KEY %s (%s)", my.quote(ix.Name), my.columnList(ix.Columns)))
		} else {
			defs = append(defs, my.indexClause(ix))
		}
	}
	for _, fk := range t.ForeignKeys {
		defs = append(defs, my.fkDef(fk))
	}
	return []string{fmt.Sprintf("CREATE TABLE %s (%s)", my.quoteTable(t), strings.Join(defs, ", "))}
}

// indexClause is an index as CREATE TABLE declares it. A new table gets its
// indexes inline: each CREATE INDEX would be an ALTER TABLE of its own, and
// creating them with the table halves the statements of a first migration.
func (my mysql) indexClause(ix *Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("%sKEY %s (%s)", unique, my.quote(ix.Name), my.columnList(ix.Columns))
}

// alterTable writes every change to t as clauses of one ALTER TABLE. All
// changes to one column become one MODIFY COLUMN with the column's full new
// definition (MySQL has no per-attribute ALTER for type and nullability).
// Foreign keys dropped in a statement that also adds foreign keys are
// dropped by an ALTER TABLE of their own first: MySQL and MariaDB refuse
// both in one statement.
func (my mysql) alterTable(t, live *Table, changes []*Change) []string {
	attrsOf := func(name string) *mysqlAttrs {
		if lc := live.Column(name); lc != nil {
			return lc.mysql
		}
		return nil
	}

	addsFK := slices.ContainsFunc(changes, func(c *Change) bool { return c.Kind == AddForeignKey && !c.Withheld })
	var first, clauses []string
	modified := map[string]bool{}
	for _, c := range changes {
		switch {
		case isColumnChange(c.Kind):
			// The column's whole new definition: the plan's target, which
			// keeps the live attributes of withheld changes. A withheld
			// change shows the definition it would write.
			col := c.target
			if c.Withheld {
				cp := *c.target
				applyAttr(&cp, c.Kind, c.col)
				col = &cp
			}
			c.SQL = "MODIFY COLUMN " + my.columnDef(col, attrsOf(c.Column))
			if c.Withheld || modified[c.Column] {
				continue
			}
			modified[c.Column] = true
		case c.Kind == DropForeignKey:
			c.SQL = "DROP FOREIGN KEY " + my.quote(c.Name)
			if ix := my.indexOfDroppedFK(t, live, c.fk); ix != nil {
				c.SQL += ", DROP INDEX " + my.quote(ix.Name)
			}
			if !c.Withheld && addsFK {
				first = append(first, c.SQL)
				continue
			}
		case c.Kind == DropIndex || c.Kind == DropUnique:
			c.SQL = my.clause(c)
			if fk := my.foreignKeyLosingIndex(live, changes, c); fk != nil && !c.Withheld {
				c.SQL += fmt.Sprintf(", ADD INDEX %s (%s)", my.quote(fk.Name), my.columnList(fk.Columns))
			}
		default:
			c.SQL = my.clause(c)
		}
		if !c.Withheld {
			clauses = append(clauses, c.SQL)
		}
	}
	var out []string
	if len(first) > 0 {
		out = append(out, "ALTER TABLE "+my.quoteTable(t)+" "+strings.Join(first, ", "))
	}
	if len(clauses) > 0 {
		out = append(out, "ALTER TABLE "+my.quoteTable(t)+" "+strings.Join(clauses, ", "))
	}
	return out
}

// castExpr is a value converted to a numeric type, as a MODIFY COLUMN
// converts it (rounding to the type's scale). Other conversions are judged
// on the values as they are: strings compare under the column's collation,
// which a CAST would lose.
func (mysql) castExpr(col string, from, to ColumnType) (string, bool) {
	switch {
	case myIntRank[to.Name] > 0 && to.Unsigned:
		return "CAST(" + col + " AS UNSIGNED)", true
	case myIntRank[to.Name] > 0:
		return "CAST(" + col + " AS SIGNED)", true
	case to.Name == "decimal":
		return fmt.Sprintf("CAST(%s AS DECIMAL(%d,%d))", col, to.Precision(), to.Scale()), true
	case to.Name == "double":
		return "CAST(" + col + " AS DOUBLE)", true
	}
	return "", false
}

// probeConversion copies the column's values into a temporary column of the
// new type, which fails, in strict mode, where the ALTER TABLE would: on a
// value out of range, too long, or not a number.
func (my mysql) probeConversion(ctx context.Context, db bun.IDB, t *Table, c *Change) (reason string, err error) {
	probe := my.quote("slipway_probe")
	drop := "DROP TEMPORARY TABLE IF EXISTS " + probe
	if _, err := db.ExecContext(ctx, drop); err != nil {
		return "", err
	}
	defer func() {
		if _, derr := db.ExecContext(context.WithoutCancel(ctx), drop); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TEMPORARY TABLE %s (v %s NULL)", probe, c.col.Type)); err != nil {
		return "", err
	}
	_, err = db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (v) SELECT %s FROM %s", probe, my.quote(c.Column), my.quoteTable(t)))
	if err == nil {
		return "", nil
	}
	if myDataError(err) {
		return fmt.Sprintf("cannot change column %q from %s to %s: %s (correct or clear those values first)", c.Column, c.old.Type, c.col.Type, myErrorText(err)), nil
	}
	return "", err
}

var myErrorNumber = regexp.MustCompile(`^Error (\d+)(?: \([0-9A-Z]+\))?: `)

// myDataError reports the server errors of a value that does not fit a
// type: out of range, truncated, incorrect for the type, too long.
func myDataError(err error) bool {
	m := myErrorNumber.FindStringSubmatch(err.Error())
	if m == nil {
		return false
	}
	switch m[1] {
	case "1264", "1265", "1292", "1366", "1367", "1406", "1690", "3751", "4025":
		return true
	}
	return false
}

// myErrorText is a server error's message without the driver's prefix.
func myErrorText(err error) string {
	return myErrorNumber.ReplaceAllString(err.Error(), "")
}

// foreignKeyLosingIndex returns the foreign key that drop, a dropped index,
// is the last index for once the statement has run: MySQL refuses to drop
// the index a foreign key uses, so the statement adds a plain one on the
// foreign key's columns, named after it, as MySQL itself names the index it
// makes for a new foreign key.
func (mysql) foreignKeyLosingIndex(live *Table, changes []*Change, drop *Change) *ForeignKey {
	leads := func(cols, key []string) bool { return len(cols) >= len(key) && slices.Equal(cols[:len(key)], key) }
	if !slices.ContainsFunc(live.ForeignKeys, func(fk *ForeignKey) bool { return leads(drop.index.Columns, fk.Columns) }) {
		return nil
	}
	droppedFK := map[*ForeignKey]bool{}
	droppedIx := map[string]bool{drop.Name: true}
	var keys [][]string // the keys left once the statement has run
	pkDropped := false
	for _, c := range changes {
		switch {
		case c.Withheld:
		case c.Kind == DropForeignKey:
			droppedFK[c.fk] = true
		case c.Kind == DropIndex || c.Kind == DropUnique:
			droppedIx[c.Name] = true
		case c.Kind == DropPrimaryKey:
			pkDropped = true
		case c.Kind == AddIndex || c.Kind == AddUnique:
			keys = append(keys, c.index.Columns)
		case c.Kind == AddPrimaryKey:
			keys = append(keys, c.pk.Columns)
		}
	}
	for _, ix := range live.Indexes {
		if !droppedIx[ix.Name] && ix.Expr == "" {
			keys = append(keys, ix.Columns)
		}
	}
	if live.PrimaryKey != nil && !pkDropped {
		keys = append(keys, live.PrimaryKey.Columns)
	}
	for _, fk := range live.ForeignKeys {
		if droppedFK[fk] || !leads(drop.index.Columns, fk.Columns) {
			continue
		}
		if !slices.ContainsFunc(keys, func(k []string) bool { return leads(k, fk.Columns) }) {
			return fk
		}
	}
	return nil
}

// indexOfDroppedFK returns the index MySQL made for a foreign key being
// dropped, when nothing else needs it: neither an index of the model nor
// another foreign key on the same columns.
func (mysql) indexOfDroppedFK(want, live *Table, fk *ForeignKey) *Index {
	for _, ix := range live.Indexes {
		if !ix.implicit || len(ix.Columns) < len(fk.Columns) || !slices.Equal(ix.Columns[:len(fk.Columns)], fk.Columns) {
			continue
		}
		for _, w := range want.Indexes {
			if indexSatisfies(ix, w) {
				return nil
			}
		}
		for _, w := range want.ForeignKeys {
			if len(ix.Columns) >= len(w.Columns) && slices.Equal(ix.Columns[:len(w.Columns)], w.Columns) {
				return nil
			}
		}
		return ix
	}
	return nil
}

func (my mysql) clause(c *Change) string {
	switch c.Kind {
	case AddColumn:
		return "ADD COLUMN " + my.columnDef(c.col, nil)
	case DropColumn:
		return "DROP COLUMN " + my.quote(c.Column)
	case AddPrimaryKey:
		return fmt.Sprintf("ADD PRIMARY KEY (%s)", my.columnList(c.pk.Columns))
	case DropPrimaryKey:
		return "DROP PRIMARY KEY"
	case AddUnique:
		return fmt.Sprintf("ADD UNIQUE KEY %s (%s)", my.quote(c.index.Name), my.columnList(c.index.Columns))
	case AddIndex:
		unique := ""
		if c.index.Unique {
			unique = "UNIQUE "
		}
		return fmt.Sprintf("ADD %sINDEX %s (%s)", unique, my.quote(c.index.Name), my.columnList(c.index.Columns))
	case DropUnique, DropIndex:
		return "DROP INDEX " + my.quote(c.Name)
	case AddForeignKey:
		return "ADD " + my.fkDef(c.fk)
	}
	panic(fmt.Sprintf("schema: no MySQL ALTER TABLE clause for %s", c.Kind))
}

func (my mysql) createIndex(t *Table, ix *Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, my.quote(ix.Name), my.quoteTable(t), my.columnList(ix.Columns))
}

// createSchema creates a database a model's table names.
func (my mysql) createSchema(name string) string {
	return "CREATE DATABASE IF NOT EXISTS " + my.quote(name)
}

func (my mysql) dropIndex(t *Table, ix *Index) string {
	return "DROP INDEX " + my.quote(ix.Name) + " ON " + my.quoteTable(t)
}

// dropTables drops the tables in one DROP TABLE, ordered so that a table
// goes after every table referencing it (MySQL and MariaDB drop the listed
// tables one by one). Foreign keys forming a cycle among them are dropped
// first.
func (my mysql) dropTables(tables []*Table) []string {
	name := func(schema, table string) string { return qualify(schema, table) }
	remaining := slices.Clone(tables)
	gone := map[*ForeignKey]bool{}
	referenced := func(t *Table) bool {
		for _, o := range remaining {
			if o == t {
				continue
			}
			for _, fk := range o.ForeignKeys {
				if !gone[fk] && name(fk.RefSchema, fk.RefTable) == name(t.Schema, t.Name) {
					return true
				}
			}
		}
		return false
	}
	var (
		stmts []string
		order []string
	)
	for len(remaining) > 0 {
		i := slices.IndexFunc(remaining, func(t *Table) bool { return !referenced(t) })
		if i < 0 {
			// A cycle: drop the foreign keys between the remaining tables.
			inSet := map[string]bool{}
			for _, t := range remaining {
				inSet[name(t.Schema, t.Name)] = true
			}
			for _, t := range remaining {
				var drops []string
				for _, fk := range t.ForeignKeys {
					ref := name(fk.RefSchema, fk.RefTable)
					if !gone[fk] && inSet[ref] && ref != name(t.Schema, t.Name) {
						gone[fk] = true
						drops = append(drops, "DROP FOREIGN KEY "+my.quote(fk.Name))
					}
				}
				if len(drops) > 0 {
					stmts = append(stmts, "ALTER TABLE "+my.quoteTable(t)+" "+strings.Join(drops, ", "))
				}
			}
			continue
		}
		order = append(order, my.quoteTable(remaining[i]))
		remaining = slices.Delete(remaining, i, i+1)
	}
	return append(stmts, "DROP TABLE "+strings.Join(order, ", "))
}

// ---- lock and apply ----

// transactional: MySQL commits every DDL statement on its own.
func (mysql) transactional() bool { return false }

// myLockName names the migration lock of the connection's database. User
// locks are server-wide and their names at most 64 characters long, hence
// the digest of the database name.
const myLockName = `CONCAT('slipway.migrate:', SHA1(COALESCE(DATABASE(), '')))`

// migrate takes a server-wide user lock (GET_LOCK) named after the database
// on a dedicated connection, runs fn on that connection, and releases the
// lock. DDL is not transactional on MySQL: each statement fn executes
// commits on its own, and a failure leaves the statements before it
// applied.
func (my mysql) migrate(ctx context.Context, db *bun.DB, timeout time.Duration, fn func(context.Context, bun.IDB) error) (err error) {
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", my.name(), what, err) }
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail("connect", err)
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && !errors.Is(cerr, sql.ErrConnDone) {
			err = errors.Join(err, fail("close connection", cerr))
		}
	}()
	// GET_LOCK takes whole seconds on MySQL (MariaDB also takes fractions).
	// Without a timeout, wait in bounded calls until ctx ends.
	seconds := int64(0)
	if timeout > 0 {
		seconds = int64(math.Ceil(timeout.Seconds()))
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+myLockName+", ?)", seconds).Scan(&got); err != nil {
			return fail("take the migration lock", err)
		}
		switch {
		case !got.Valid:
			return fail("take the migration lock", errors.New("GET_LOCK returned NULL (the session was killed or the server ran out of memory)"))
		case got.Int64 == 0:
			return fmt.Errorf("schema: %s: %w after %s: another migrator holds it (raise WithLockTimeout, or look for a stuck migration: SELECT IS_USED_LOCK(%s) gives its connection id)",
				my.name(), ErrLockTimeout, time.Duration(seconds)*time.Second, myLockName)
		}
	} else if err := my.waitForLock(ctx, conn); err != nil {
		return err
	}
	defer func() {
		var released sql.NullInt64
		rerr := conn.QueryRowContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK("+myLockName+")").Scan(&released)
		if rerr == nil && released.Int64 == 1 {
			return
		}
		if rerr == nil {
			rerr = errors.New("RELEASE_LOCK did not find the lock held by this session")
		}
		// Never return a connection that may still hold the lock to the
		// pool: closing the session releases it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, fail("release the migration lock", rerr))
	}()
	if seconds > 0 {
		// A DDL statement waits for its table's metadata lock while any
		// transaction touching the table is open, and every query on the
		// table queues behind it: bound that wait by the lock timeout too
		// (never above the session's own setting), as PostgreSQL's
		// lock_timeout does, and restore the setting afterwards.
		if _, err := conn.ExecContext(ctx, "SET @slipway_lock_wait_timeout = @@SESSION.lock_wait_timeout, SESSION lock_wait_timeout = LEAST(@@SESSION.lock_wait_timeout, ?)", seconds); err != nil {
			return fail("set lock_wait_timeout", err)
		}
		defer func() {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION lock_wait_timeout = @slipway_lock_wait_timeout"); rerr != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // do not pool a changed session
				err = errors.Join(err, fail("restore lock_wait_timeout", rerr))
			}
		}()
	}
	return fn(ctx, conn)
}

// myLockPoll bounds each GET_LOCK call of a migrator without a lock
// timeout. GET_LOCK with a negative timeout would wait for ever, but
// MariaDB answers it with NULL (warning 1411), and a wait for ever outlives
// the context: a session whose client gave up could still take the lock.
const myLockPoll = 2 * time.Second

// waitForLock takes the migration lock, waiting as long as ctx allows: it
// calls GET_LOCK for myLockPoll at most, or until ctx's deadline when that
// is nearer, until the lock is taken or ctx ends.
func (my mysql) waitForLock(ctx context.Context, conn bun.Conn) error {
	gaveUp := func() error {
		return fmt.Errorf("schema: %s: wait for the migration lock: %w (another migrator holds it: look for a stuck migration, SELECT IS_USED_LOCK(%s) gives its connection id)",
			my.name(), ctx.Err(), myLockName)
	}
	for {
		wait := myLockPoll
		if deadline, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(deadline))
		}
		if wait <= 0 {
			<-ctx.Done() // the deadline is past; its timer fires any moment
			return gaveUp()
		}
		// Milliseconds, rounded up: MariaDB waits that long, MySQL rounds
		// to whole seconds (and the driver stops the call when ctx ends).
		start := time.Now()
		var got sql.NullInt64
		err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+myLockName+", ?)", math.Ceil(wait.Seconds()*1000)/1000).Scan(&got)
		switch {
		case err == nil && got.Valid && got.Int64 == 1:
			return nil
		case ctx.Err() != nil:
			return gaveUp()
		case err != nil:
			return fmt.Errorf("schema: %s: take the migration lock: %w", my.name(), err)
		case !got.Valid:
			return fmt.Errorf("schema: %s: take the migration lock: GET_LOCK returned NULL (the session was killed or the server ran out of memory)", my.name())
		}
		// A server that rounded a short wait down to no wait at all
		// answers at once: sleep out the rest rather than spin.
		if rest := wait - time.Since(start); rest > 0 {
			timer := time.NewTimer(rest)
			select {
			case <-ctx.Done():
				timer.Stop()
				return gaveUp()
			case <-timer.C:
			}
		}
	}
}

package schema

import "strings"

// SQLite types: declared types kept as written, affinity, defaults,
// widening.

// sqliteTypeNames maps spellings SQLite treats exactly alike to one. Integer
// spellings stay apart: only "INTEGER PRIMARY KEY" makes a rowid alias.
var sqliteTypeNames = map[string]string{
	"character varying": "varchar", "varying character": "varchar",
	"character": "char", "bool": "boolean", "double": "double precision",
}

// parseType keeps SQLite's declared type as written, lower-cased: SQLite
// stores it verbatim, and its affinity rules give each spelling its meaning.
// A column declared without a type has the empty type.
func (sqlite) parseType(s string) (ColumnType, error) {
	if strings.TrimSpace(s) == "" {
		return ColumnType{}, nil
	}
	base, args, array, err := splitType(strings.ToLower(s))
	if err != nil {
		return ColumnType{}, err
	}
	if canonical, ok := sqliteTypeNames[base]; ok {
		base = canonical
	}
	return ColumnType{Name: base, Args: args, Array: array}, nil
}

// sqliteAffinity is SQLite's column affinity for a declared type name
// (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).
func sqliteAffinity(name string) string {
	switch {
	case strings.Contains(name, "int"):
		return "integer"
	case strings.Contains(name, "char"), strings.Contains(name, "clob"), strings.Contains(name, "text"):
		return "text"
	case name == "", strings.Contains(name, "blob"):
		return "blob"
	case strings.Contains(name, "real"), strings.Contains(name, "floa"), strings.Contains(name, "doub"):
		return "real"
	default:
		return "numeric"
	}
}

func (sqlite) normalizeDefault(expr string, typ ColumnType) string {
	s := stripOuterParens(strings.TrimSpace(expr))
	if s == "" || strings.EqualFold(s, "null") {
		return ""
	}
	literal, quoted := s, false
	if isQuoted(s) {
		literal, quoted = unquote(s), true
	}
	switch affinity := sqliteAffinity(typ.Name); {
	case typ.Name == "boolean":
		if b, ok := canonicalBool(literal); ok {
			return b
		}
	case affinity == "integer", affinity == "real", affinity == "numeric":
		if n, ok := canonicalNumber(literal); ok {
			return n
		}
	}
	if quoted {
		return quoteString(literal)
	}
	return canonicalExpr(s)
}

// sqliteIntRank orders the integer spellings by the values they declare;
// SQLite itself stores every one of them in up to 8 bytes.
var sqliteIntRank = map[string]int{
	"tinyint": 1, "int2": 2, "smallint": 2, "mediumint": 3, "int": 4, "integer": 4, "int4": 4,
	"bigint": 5, "int8": 5, "unsigned big int": 5,
}

// sqliteIntDigits is how many decimal digits each rank may need; SQLite's
// INT and INTEGER hold 64-bit values.
var sqliteIntDigits = map[int]int{1: 3, 2: 5, 3: 7, 4: 19, 5: 19}

func (sqlite) widens(from, to ColumnType) bool {
	if from.Array != to.Array {
		return false
	}
	fromRank, toRank := sqliteIntRank[from.Name], sqliteIntRank[to.Name]
	fromText, toText := sqliteAffinity(from.Name) == "text", sqliteAffinity(to.Name) == "text"
	switch {
	case from.Name == to.Name && (from.Name == "numeric" || from.Name == "decimal"):
		return numericWidens(from, to)
	case from.Name == to.Name && fromText:
		return to.arg(0) == 0 || (from.arg(0) != 0 && to.arg(0) >= from.arg(0))
	case from.Name == to.Name:
		// timestamp(3) -> timestamp(6), datetime(3) -> datetime
		return len(to.Args) == 0 || (len(from.Args) == 1 && len(to.Args) == 1 && to.Precision() >= from.Precision())
	case fromRank > 0 && toRank > 0:
		return toRank >= fromRank
	case fromText && toText:
		// A declared length is not enforced by SQLite, but the model asks for it.
		return to.arg(0) == 0 || (from.arg(0) != 0 && to.arg(0) >= from.arg(0))
	case fromRank > 0 && (to.Name == "numeric" || to.Name == "decimal"):
		return len(to.Args) == 0 || to.Precision()-to.Scale() >= sqliteIntDigits[fromRank]
	case from.Name == "real" && (to.Name == "double precision" || to.Name == "float"):
		return true
	case fromRank > 0 && fromRank <= 3 && sqliteAffinity(to.Name) == "real":
		return true // up to 24-bit integers fit a float's mantissa
	}
	return false
}

// sqliteIsLiteral reports whether s is a literal value in SQLite's grammar:
// a number, a string or blob, NULL, TRUE, FALSE or CURRENT_TIME/DATE/TIMESTAMP.
func sqliteIsLiteral(s string) bool {
	if s == "" || isQuoted(s) {
		return s != ""
	}
	if _, ok := canonicalNumber(s); ok {
		return true
	}
	if (s[0] == 'x' || s[0] == 'X') && isQuoted(s[1:]) {
		return true
	}
	switch strings.ToLower(s) {
	case "null", "true", "false", "current_time", "current_date", "current_timestamp":
		return true
	}
	return false
}

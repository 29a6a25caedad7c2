package schema

import (
	"database/sql"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MySQL and MariaDB column defaults: the catalog's spelling of a default
// (and of ON UPDATE) read into SQL, and normalised for comparison.

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
		s = myQuote(def.String)
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
	literal, quoted := myUnquote(s)
	if !quoted {
		literal = s
		if myTextual(typ) {
			// A number or boolean default of a text column is stored as the
			// text it converts to.
			if _, ok := canonicalNumber(s); ok {
				return myQuote(s)
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
		return myQuote(myCanonicalTime(literal, typ))
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
// UPDATE (outside quotes, with MySQL's backslash escapes, and parentheses),
// in any case.
func mySplitOnUpdate(s string) (def, onUpdate string) {
	def = s
	mysqlSyntax.scan(s, 0, func(i, depth int) bool {
		c := s[i]
		if depth != 0 || (c != 'o' && c != 'O') || (i > 0 && s[i-1] != ' ' && s[i-1] != ')') {
			return true
		}
		if m := myOnUpdate.FindStringSubmatchIndex(s[i:]); m != nil && m[0] == 0 {
			def, onUpdate = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+m[2]:])
			return false
		}
		return true
	})
	return def, onUpdate
}

package repository

import (
	"fmt"
	"reflect"
	goregexp "regexp"
	"sort"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	bunschema "github.com/uptrace/bun/schema"
)

// whereSQL renders a Where as SQL with placeholders: identifiers are bun
// idents and values are arguments, never text from the caller. With
// qualify, columns are prefixed with the query's table alias.
//
// Lists of conditions (and, or, the fields of one object) are joined as a
// balanced tree — ((a OR b) OR (c OR d)) — so that the parse tree of a
// long list stays shallow: SQLite refuses expressions deeper than 1000.
func (m *model) whereSQL(w Where, qualify bool) (string, []any, error) {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []sqlPart
	for _, key := range keys {
		value := w[key]
		if key == "and" || key == "or" {
			list, err := whereList(value)
			if err != nil {
				return "", nil, &FieldError{Model: m.name, Field: key, In: "where", Reason: err.Error()}
			}
			var subs []sqlPart
			for _, sub := range list {
				s, a, err := m.whereSQL(sub, qualify)
				if err != nil {
					return "", nil, err
				}
				if s != "" {
					subs = append(subs, sqlPart{s, a})
				}
			}
			if len(subs) > 0 {
				parts = append(parts, balanced(subs, strings.ToUpper(key)))
			}
			continue
		}
		f, err := m.field(key, "where")
		if err != nil {
			return "", nil, err
		}
		conds, ok := asCond(value)
		if !ok {
			conds = Cond{"eq": value}
		}
		ops := make([]string, 0, len(conds))
		for op := range conds {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			s, a, err := m.condSQL(f, op, conds[op], qualify)
			if err != nil {
				return "", nil, err
			}
			parts = append(parts, sqlPart{s, a})
		}
	}
	if len(parts) == 0 {
		return "", nil, nil
	}
	p := balanced(parts, "AND")
	return p.sql, p.args, nil
}

// sqlPart is a piece of SQL with the arguments of its placeholders.
type sqlPart struct {
	sql  string
	args []any
}

// balanced joins parts with op as a balanced binary tree.
func balanced(parts []sqlPart, op string) sqlPart {
	if len(parts) == 1 {
		return parts[0]
	}
	mid := len(parts) / 2
	l, r := balanced(parts[:mid], op), balanced(parts[mid:], op)
	return sqlPart{
		sql:  "(" + l.sql + ") " + op + " (" + r.sql + ")",
		args: append(append(make([]any, 0, len(l.args)+len(r.args)), l.args...), r.args...),
	}
}

func whereList(v any) ([]Where, error) {
	switch list := v.(type) {
	case []Where:
		return list, nil
	case []map[string]any:
		out := make([]Where, len(list))
		for i, w := range list {
			out[i] = w
		}
		return out, nil
	case []any:
		out := make([]Where, len(list))
		for i, item := range list {
			w, ok := asCond(item)
			if !ok {
				return nil, fmt.Errorf("want a list of where objects")
			}
			out[i] = Where(w)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of where objects")
}

// asCond returns v as an operator map when it is one.
func asCond(v any) (map[string]any, bool) {
	switch c := v.(type) {
	case map[string]any:
		return c, true
	case Where:
		return c, true
	}
	return nil, false
}

// isText reports whether a field holds text: a string or a pointer to one.
func isText(f *bunschema.Field) bool {
	return f.IndirectType.Kind() == reflect.String
}

func (m *model) condSQL(f *bunschema.Field, op string, value any, qualify bool) (string, []any, error) {
	col := "?"
	if qualify {
		col = "?TableAlias.?"
	}
	ident := bun.Ident(f.Name)
	fail := func(reason string) error {
		return &FieldError{Model: m.name, Field: jsonOrGo(f), In: "where", Reason: reason}
	}
	one := func() (any, error) {
		if _, isList := value.([]any); isList {
			return nil, fail(fmt.Sprintf("operator %q takes one value, not a list", op))
		}
		return m.convert(f, value, "where")
	}
	text := m.textRules(f, col, ident)
	switch op {
	case "eq", "neq":
		v, err := one()
		if err != nil {
			return "", nil, err
		}
		switch {
		case v == nil && op == "eq":
			return col + " IS NULL", []any{ident}, nil
		case v == nil:
			return col + " IS NOT NULL", []any{ident}, nil
		case text != nil && op == "eq":
			return text.eq(v)
		case text != nil:
			return text.neq(v)
		case op == "eq":
			return col + " = ?", []any{ident, v}, nil
		default:
			return col + " <> ?", []any{ident, v}, nil
		}
	case "gt", "gte", "lt", "lte":
		v, err := one()
		if err != nil {
			return "", nil, err
		}
		if v == nil {
			return "", nil, fail(fmt.Sprintf("operator %q needs a value, not null", op))
		}
		sym := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
		return col + " " + sym + " ?", []any{ident, v}, nil
	case "inq", "nin", "between":
		list, ok := value.([]any)
		if !ok {
			rv := reflect.ValueOf(value)
			if rv.Kind() != reflect.Slice {
				return "", nil, fail(fmt.Sprintf("operator %q takes a list", op))
			}
			for i := range rv.Len() {
				list = append(list, rv.Index(i).Interface())
			}
		}
		vals := make([]any, len(list))
		for i, item := range list {
			v, err := m.convert(f, item, "where")
			if err != nil {
				return "", nil, err
			}
			vals[i] = v
		}
		switch {
		case op == "between" && len(vals) != 2:
			return "", nil, fail(fmt.Sprintf(`operator "between" takes a list of two values, got %d`, len(vals)))
		case op == "between":
			return col + " BETWEEN ? AND ?", []any{ident, vals[0], vals[1]}, nil
		case len(vals) == 0 && op == "inq":
			return "1 = 0", nil, nil
		case len(vals) == 0:
			return "1 = 1", nil, nil
		case text != nil:
			return text.in(vals, op == "nin")
		case op == "inq":
			return col + " IN (?)", []any{ident, bun.List(vals)}, nil
		default:
			return col + " NOT IN (?)", []any{ident, bun.List(vals)}, nil
		}
	case "like", "nlike", "ilike", "nilike", "regexp":
		if text == nil {
			return "", nil, fail(fmt.Sprintf("operator %q applies to text fields only; this one is a %s", op, typeWord(f.StructField.Type)))
		}
		pattern, ok := value.(string)
		if !ok {
			return "", nil, fail(fmt.Sprintf("operator %q takes a string pattern", op))
		}
		if strings.ContainsRune(pattern, 0) {
			return "", nil, fail("the pattern contains a NUL character")
		}
		switch op {
		case "like", "nlike":
			return text.like(pattern, op == "nlike")
		case "ilike", "nilike":
			return text.ilike(pattern, op == "nilike")
		default:
			re, err := parseRegexp(pattern)
			if err != nil {
				return "", nil, fail(err.Error())
			}
			if m.dialect == dialect.SQLite {
				// SQLite's REGEXP is Go's RE2: a bad pattern is the caller's.
				if _, err := goregexp.Compile(re.inline()); err != nil {
					return "", nil, fail(fmt.Sprintf("the regular expression %q does not compile: %v", re.pattern, err))
				}
			}
			return text.regexp(re)
		}
	}
	return "", nil, fail(fmt.Sprintf("unknown operator %q (known: %s)", op, strings.Join(operators, ", ")))
}

// regexpPattern is a regexp operand: a pattern, or LoopBack's /pattern/flags.
type regexpPattern struct {
	pattern    string
	ignoreCase bool
}

// parseRegexp reads "pattern" or "/pattern/flags"; the flag i makes the
// match case-insensitive, g is accepted and means nothing for a match, and
// any other flag is refused rather than ignored.
func parseRegexp(s string) (regexpPattern, error) {
	if len(s) < 2 || s[0] != '/' {
		return regexpPattern{pattern: s}, nil
	}
	end := strings.LastIndexByte(s, '/')
	if end == 0 {
		return regexpPattern{pattern: s}, nil
	}
	re := regexpPattern{pattern: s[1:end]}
	for _, flag := range s[end+1:] {
		switch flag {
		case 'i':
			re.ignoreCase = true
		case 'g':
		default:
			return re, fmt.Errorf("regexp flag %q is not supported (i is; g is accepted and ignored)", flag)
		}
	}
	return re, nil
}

// inline returns the pattern with the case-insensitive flag inside it, as
// every supported engine (PCRE, ICU, POSIX AREs, RE2) understands.
func (re regexpPattern) inline() string {
	if re.ignoreCase {
		return "(?i)" + re.pattern
	}
	return re.pattern
}

// textRules renders comparisons of text so that they mean the same on every
// database: eq, neq, inq, nin, like, nlike and regexp are case-sensitive
// and compare exactly (trailing spaces count); ilike, nilike and regexp
// with the i flag ignore case. A pattern's escape character is the
// backslash everywhere. Nil for fields that are not text.
func (m *model) textRules(f *bunschema.Field, col string, ident bun.Ident) textRules {
	if !isText(f) {
		return nil
	}
	switch m.dialect {
	case dialect.MySQL:
		return mysqlText{col: col, ident: ident}
	case dialect.SQLite:
		return sqliteText{col: col, ident: ident}
	default:
		return pgText{col: col, ident: ident}
	}
}

type textRules interface {
	eq(v any) (string, []any, error)
	neq(v any) (string, []any, error)
	in(vals []any, not bool) (string, []any, error)
	like(pattern string, not bool) (string, []any, error)
	ilike(pattern string, not bool) (string, []any, error)
	regexp(re regexpPattern) (string, []any, error)
}

func not(negate bool) string {
	if negate {
		return "NOT "
	}
	return ""
}

// pgText: PostgreSQL compares text exactly and case-sensitively already.
type pgText struct {
	col   string
	ident bun.Ident
}

func (t pgText) eq(v any) (string, []any, error)  { return t.col + " = ?", []any{t.ident, v}, nil }
func (t pgText) neq(v any) (string, []any, error) { return t.col + " <> ?", []any{t.ident, v}, nil }
func (t pgText) in(vals []any, negate bool) (string, []any, error) {
	return t.col + " " + not(negate) + "IN (?)", []any{t.ident, bun.List(vals)}, nil
}
func (t pgText) like(p string, negate bool) (string, []any, error) {
	return t.col + " " + not(negate) + "LIKE ?", []any{t.ident, p}, nil
}
func (t pgText) ilike(p string, negate bool) (string, []any, error) {
	return t.col + " " + not(negate) + "ILIKE ?", []any{t.ident, p}, nil
}
func (t pgText) regexp(re regexpPattern) (string, []any, error) {
	if re.ignoreCase {
		return t.col + " ~* ?", []any{t.ident, re.pattern}, nil
	}
	return t.col + " ~ ?", []any{t.ident, re.pattern}, nil
}

// sqliteText: SQLite's = and IN follow the column's collation (BINARY
// unless declared otherwise) and its LIKE ignores ASCII case, so equality
// names BINARY and a case-sensitive LIKE is a GLOB. REGEXP calls the
// regexp() function Slipway registers on the driver (Go's RE2 syntax).
type sqliteText struct {
	col   string
	ident bun.Ident
}

func (t sqliteText) eq(v any) (string, []any, error) {
	return t.col + " = ? COLLATE BINARY", []any{t.ident, v}, nil
}
func (t sqliteText) neq(v any) (string, []any, error) {
	return t.col + " <> ? COLLATE BINARY", []any{t.ident, v}, nil
}
func (t sqliteText) in(vals []any, negate bool) (string, []any, error) {
	return t.col + " COLLATE BINARY " + not(negate) + "IN (?)", []any{t.ident, bun.List(vals)}, nil
}
func (t sqliteText) like(p string, negate bool) (string, []any, error) {
	return t.col + " " + not(negate) + "GLOB ?", []any{t.ident, likeToGlob(p)}, nil
}
func (t sqliteText) ilike(p string, negate bool) (string, []any, error) {
	return t.col + " " + not(negate) + `LIKE ? ESCAPE '\'`, []any{t.ident, p}, nil
}
func (t sqliteText) regexp(re regexpPattern) (string, []any, error) {
	return t.col + " REGEXP ?", []any{t.ident, re.inline()}, nil
}

// likeToGlob turns a LIKE pattern (% and _, backslash escapes) into the
// GLOB pattern matching the same strings case-sensitively.
func likeToGlob(p string) string {
	var b strings.Builder
	escaped := false
	for _, r := range p {
		switch {
		case escaped:
			escaped = false
			writeGlobLiteral(&b, r)
		case r == '\\':
			escaped = true
		case r == '%':
			b.WriteByte('*')
		case r == '_':
			b.WriteByte('?')
		default:
			writeGlobLiteral(&b, r)
		}
	}
	if escaped {
		b.WriteByte('\\')
	}
	return b.String()
}

func writeGlobLiteral(b *strings.Builder, r rune) {
	switch r {
	case '*', '?', '[':
		b.WriteByte('[')
		b.WriteRune(r)
		b.WriteByte(']')
	default:
		b.WriteRune(r)
	}
}

// mysqlText: MySQL and MariaDB compare text by the column's collation —
// usually case-insensitive and blind to trailing spaces. Exact comparisons
// compare the UTF-8 bytes (CAST ... AS BINARY), after the ordinary
// comparison, which an index can serve; patterns use the utf8mb4_bin
// collation. Converting to utf8mb4 first makes this work for columns of
// any character set.
type mysqlText struct {
	col   string
	ident bun.Ident
}

func (t mysqlText) exact(expr string) string {
	return "CAST(CONVERT(" + expr + " USING utf8mb4) AS BINARY)"
}

func (t mysqlText) bin() string {
	return "CONVERT(" + t.col + " USING utf8mb4) COLLATE utf8mb4_bin"
}

func (t mysqlText) eq(v any) (string, []any, error) {
	return "(" + t.col + " = ? AND " + t.exact(t.col) + " = " + t.exact("?") + ")", []any{t.ident, v, t.ident, v}, nil
}
func (t mysqlText) neq(v any) (string, []any, error) {
	return t.exact(t.col) + " <> " + t.exact("?"), []any{t.ident, v}, nil
}
func (t mysqlText) in(vals []any, negate bool) (string, []any, error) {
	holders := make([]string, len(vals))
	args := append(make([]any, 0, len(vals)+1), t.ident)
	for i, v := range vals {
		holders[i] = t.exact("?")
		args = append(args, v)
	}
	exact := t.exact(t.col) + " " + not(negate) + "IN (" + strings.Join(holders, ", ") + ")"
	if negate {
		return exact, args, nil
	}
	// The collation's IN first: a superset an index can serve.
	return "(" + t.col + " IN (?) AND " + exact + ")", append([]any{t.ident, bun.List(vals)}, args...), nil
}
func (t mysqlText) like(p string, negate bool) (string, []any, error) {
	if negate {
		return t.bin() + " NOT LIKE CONVERT(? USING utf8mb4)", []any{t.ident, p}, nil
	}
	// The collation's LIKE first: a superset an index can serve for a prefix.
	return "(" + t.col + " LIKE ? AND " + t.bin() + " LIKE CONVERT(? USING utf8mb4))", []any{t.ident, p, t.ident, p}, nil
}
func (t mysqlText) ilike(p string, negate bool) (string, []any, error) {
	return "LOWER(CONVERT(" + t.col + " USING utf8mb4)) COLLATE utf8mb4_bin " + not(negate) + "LIKE LOWER(CONVERT(? USING utf8mb4))", []any{t.ident, p}, nil
}
func (t mysqlText) regexp(re regexpPattern) (string, []any, error) {
	return t.bin() + " REGEXP CONVERT(? USING utf8mb4)", []any{t.ident, re.inline()}, nil
}

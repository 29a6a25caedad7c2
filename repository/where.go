package repository

import (
	"fmt"
	"reflect"
	goregexp "regexp"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	bunschema "github.com/uptrace/bun/schema"
)

// whereSQL renders a Where as SQL with placeholders: identifiers are the
// model's quoted column names and values are arguments, never text from
// the caller. With qualify, columns are prefixed with the query's table
// alias.
//
// Lists of conditions (and, or, the fields of one object) are joined as a
// balanced tree — ((a OR b) OR (c OR d)) — so that the parse tree of a
// long list stays shallow: SQLite refuses expressions deeper than 1000.
func (m *model) whereSQL(w Where, qualify bool) (string, []any, error) {
	if len(w) == 0 {
		return "", nil, nil
	}
	args := make([]any, 0, 2*len(w))
	s, err := m.appendWhere(&args, w, qualify)
	if err != nil || s == "" {
		return "", nil, err
	}
	return s, args, nil
}

// appendWhere renders w, appending the values of its placeholders to args
// in the order they appear in the SQL it returns.
func (m *model) appendWhere(args *[]any, w Where, qualify bool) (string, error) {
	var keyBuf, partBuf [8]string
	keys := keyBuf[:0]
	for k := range w {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := partBuf[:0]
	for _, key := range keys {
		value := w[key]
		if key == "and" || key == "or" {
			list, err := whereList(value)
			if err != nil {
				return "", &FieldError{Model: m.name, Field: key, In: "where", Reason: err.Error()}
			}
			var subs []string
			for _, sub := range list {
				s, err := m.appendWhere(args, sub, qualify)
				if err != nil {
					return "", err
				}
				if s != "" {
					subs = append(subs, s)
				}
			}
			if len(subs) > 0 {
				parts = append(parts, balanced(subs, strings.ToUpper(key)))
			}
			continue
		}
		f, err := m.field(key, "where")
		if err != nil {
			return "", err
		}
		conds, ok := asCond(value)
		if !ok {
			s, err := m.condSQL(args, f, "eq", value, qualify)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
			continue
		}
		var opBuf [4]string
		ops := opBuf[:0]
		for op := range conds {
			ops = append(ops, op)
		}
		slices.Sort(ops)
		for _, op := range ops {
			s, err := m.condSQL(args, f, op, conds[op], qualify)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	return balanced(parts, "AND"), nil
}

// balanced joins parts with op as a balanced binary tree. The arguments of
// the parts keep their order, since the tree does.
func balanced(parts []string, op string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	n := 0
	for _, p := range parts {
		n += len(p) + len(op) + 6
	}
	var b strings.Builder
	b.Grow(n)
	writeBalanced(&b, parts, op)
	return b.String()
}

func writeBalanced(b *strings.Builder, parts []string, op string) {
	if len(parts) == 1 {
		b.WriteString(parts[0])
		return
	}
	mid := len(parts) / 2
	b.WriteByte('(')
	writeBalanced(b, parts[:mid], op)
	b.WriteString(") ")
	b.WriteString(op)
	b.WriteString(" (")
	writeBalanced(b, parts[mid:], op)
	b.WriteByte(')')
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

// The comparisons whose SQL a field renders once (see columnSQL).
const (
	cmpEq = iota
	cmpNeq
	cmpGt
	cmpGte
	cmpLt
	cmpLte
	cmpNull
	cmpNotNull
	numCmps
)

// cmpOp returns the index of a comparison operator that takes one value.
func cmpOp(op string) (int, bool) {
	switch op {
	case "eq":
		return cmpEq, true
	case "neq":
		return cmpNeq, true
	case "gt":
		return cmpGt, true
	case "gte":
		return cmpGte, true
	case "lt":
		return cmpLt, true
	case "lte":
		return cmpLte, true
	}
	return 0, false
}

// fragment is SQL whose placeholders all take the same value, n times.
type fragment struct {
	sql string
	n   int
}

// appendTo appends the fragment's arguments for value v.
func (fr fragment) appendTo(args *[]any, v any) string {
	for range fr.n {
		*args = append(*args, v)
	}
	return fr.sql
}

// columnSQL is the SQL of one field that every query uses, rendered when
// the repository is created: its quoted column, its comparisons with one
// value, its SET and its ORDER BY items. Index 0 is unqualified (UPDATE,
// DELETE), 1 qualified with the query's table alias (SELECT).
type columnSQL struct {
	col   [2]string
	cmp   [2][numCmps]fragment
	set   string // "col" = ?
	order [2]string
}

// newColumnSQL renders field f's SQL for dialect d.
func newColumnSQL(d dialect.Name, f *bunschema.Field) *columnSQL {
	// The quoted name goes into the SQL itself, a ? in it escaped so that
	// bun does not read it as a placeholder.
	quoted := strings.ReplaceAll(string(f.SQLName), "?", `\?`)
	c := &columnSQL{set: quoted + " = ?", col: [2]string{quoted, "?TableAlias." + quoted}}
	c.order = [2]string{c.col[1] + " ASC", c.col[1] + " DESC"}
	for q, col := range c.col {
		cmp := &c.cmp[q]
		cmp[cmpEq] = fragment{col + " = ?", 1}
		cmp[cmpNeq] = fragment{col + " <> ?", 1}
		cmp[cmpGt] = fragment{col + " > ?", 1}
		cmp[cmpGte] = fragment{col + " >= ?", 1}
		cmp[cmpLt] = fragment{col + " < ?", 1}
		cmp[cmpLte] = fragment{col + " <= ?", 1}
		cmp[cmpNull] = fragment{col + " IS NULL", 0}
		cmp[cmpNotNull] = fragment{col + " IS NOT NULL", 0}
		if text := newTextRules(d, f, col); text != nil {
			s, a := text.eq(nil)
			cmp[cmpEq] = fragment{s, len(a)}
			s, a = text.neq(nil)
			cmp[cmpNeq] = fragment{s, len(a)}
		}
	}
	return c
}

// condSQL renders one condition on field f, appending its values to args.
func (m *model) condSQL(args *[]any, f *bunschema.Field, op string, value any, qualify bool) (string, error) {
	q := 0
	if qualify {
		q = 1
	}
	c := m.columns[f]
	if i, ok := cmpOp(op); ok {
		if _, isList := value.([]any); isList {
			return "", m.condError(f, fmt.Sprintf("operator %q takes one value, not a list", op))
		}
		v, err := m.convert(f, value, "where")
		if err != nil {
			return "", err
		}
		switch {
		case v == nil && i == cmpEq:
			return c.cmp[q][cmpNull].sql, nil
		case v == nil && i == cmpNeq:
			return c.cmp[q][cmpNotNull].sql, nil
		case v == nil:
			return "", m.condError(f, fmt.Sprintf("operator %q needs a value, not null", op))
		}
		return c.cmp[q][i].appendTo(args, v), nil
	}
	s, a, err := m.listOrPattern(f, c.col[q], op, value)
	if err != nil {
		return "", err
	}
	*args = append(*args, a...)
	return s, nil
}

func (m *model) condError(f *bunschema.Field, reason string) error {
	return &FieldError{Model: m.name, Field: jsonOrGo(f), In: "where", Reason: reason}
}

// listOrPattern renders the operators that take a list or a pattern on the
// column col of field f.
func (m *model) listOrPattern(f *bunschema.Field, col, op string, value any) (string, []any, error) {
	fail := func(reason string) error { return m.condError(f, reason) }
	text := newTextRules(m.dialect, f, col)
	switch op {
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
			return col + " BETWEEN ? AND ?", vals, nil
		case len(vals) == 0 && op == "inq":
			return "1 = 0", nil, nil
		case len(vals) == 0:
			return "1 = 1", nil, nil
		case text != nil:
			s, a := text.in(vals, op == "nin")
			return s, a, nil
		case op == "inq":
			return col + " IN (?)", []any{bun.List(vals)}, nil
		default:
			return col + " NOT IN (?)", []any{bun.List(vals)}, nil
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
		var (
			s string
			a []any
		)
		switch op {
		case "like", "nlike":
			s, a = text.like(pattern, op == "nlike")
		case "ilike", "nilike":
			s, a = text.ilike(pattern, op == "nilike")
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
			s, a = text.regexp(re)
		}
		return s, a, nil
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
// backslash everywhere. col is the quoted (and maybe qualified) column;
// the arguments returned are the values of the placeholders. Nil for
// fields that are not text.
func newTextRules(d dialect.Name, f *bunschema.Field, col string) textRules {
	if !isText(f) {
		return nil
	}
	switch d {
	case dialect.MySQL:
		return mysqlText{col: col}
	case dialect.SQLite:
		return sqliteText{col: col}
	default:
		return pgText{col: col}
	}
}

type textRules interface {
	eq(v any) (string, []any)
	neq(v any) (string, []any)
	in(vals []any, not bool) (string, []any)
	like(pattern string, not bool) (string, []any)
	ilike(pattern string, not bool) (string, []any)
	regexp(re regexpPattern) (string, []any)
}

func not(negate bool) string {
	if negate {
		return "NOT "
	}
	return ""
}

// pgText: PostgreSQL compares text exactly and case-sensitively already.
type pgText struct{ col string }

func (t pgText) eq(v any) (string, []any)  { return t.col + " = ?", []any{v} }
func (t pgText) neq(v any) (string, []any) { return t.col + " <> ?", []any{v} }
func (t pgText) in(vals []any, negate bool) (string, []any) {
	return t.col + " " + not(negate) + "IN (?)", []any{bun.List(vals)}
}
func (t pgText) like(p string, negate bool) (string, []any) {
	return t.col + " " + not(negate) + "LIKE ?", []any{p}
}
func (t pgText) ilike(p string, negate bool) (string, []any) {
	return t.col + " " + not(negate) + "ILIKE ?", []any{p}
}
func (t pgText) regexp(re regexpPattern) (string, []any) {
	if re.ignoreCase {
		return t.col + " ~* ?", []any{re.pattern}
	}
	return t.col + " ~ ?", []any{re.pattern}
}

// sqliteText: SQLite's = and IN follow the column's collation (BINARY
// unless declared otherwise) and its LIKE ignores ASCII case, so equality
// names BINARY and a case-sensitive LIKE is a GLOB. REGEXP calls the
// regexp() function Slipway registers on the driver (Go's RE2 syntax).
type sqliteText struct{ col string }

func (t sqliteText) eq(v any) (string, []any) {
	return t.col + " = ? COLLATE BINARY", []any{v}
}
func (t sqliteText) neq(v any) (string, []any) {
	return t.col + " <> ? COLLATE BINARY", []any{v}
}
func (t sqliteText) in(vals []any, negate bool) (string, []any) {
	return t.col + " COLLATE BINARY " + not(negate) + "IN (?)", []any{bun.List(vals)}
}
func (t sqliteText) like(p string, negate bool) (string, []any) {
	return t.col + " " + not(negate) + "GLOB ?", []any{likeToGlob(p)}
}
func (t sqliteText) ilike(p string, negate bool) (string, []any) {
	return t.col + " " + not(negate) + `LIKE ? ESCAPE '\'`, []any{p}
}
func (t sqliteText) regexp(re regexpPattern) (string, []any) {
	return t.col + " REGEXP ?", []any{re.inline()}
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
type mysqlText struct{ col string }

func (t mysqlText) exact(expr string) string {
	return "CAST(CONVERT(" + expr + " USING utf8mb4) AS BINARY)"
}

func (t mysqlText) bin() string {
	return "CONVERT(" + t.col + " USING utf8mb4) COLLATE utf8mb4_bin"
}

func (t mysqlText) eq(v any) (string, []any) {
	return "(" + t.col + " = ? AND " + t.exact(t.col) + " = " + t.exact("?") + ")", []any{v, v}
}
func (t mysqlText) neq(v any) (string, []any) {
	return t.exact(t.col) + " <> " + t.exact("?"), []any{v}
}
func (t mysqlText) in(vals []any, negate bool) (string, []any) {
	holders := make([]string, len(vals))
	for i := range vals {
		holders[i] = t.exact("?")
	}
	exact := t.exact(t.col) + " " + not(negate) + "IN (" + strings.Join(holders, ", ") + ")"
	if negate {
		return exact, vals
	}
	// The collation's IN first: a superset an index can serve.
	return "(" + t.col + " IN (?) AND " + exact + ")", append([]any{bun.List(vals)}, vals...)
}
func (t mysqlText) like(p string, negate bool) (string, []any) {
	if negate {
		return t.bin() + " NOT LIKE CONVERT(? USING utf8mb4)", []any{p}
	}
	// The collation's LIKE first: a superset an index can serve for a prefix.
	return "(" + t.col + " LIKE ? AND " + t.bin() + " LIKE CONVERT(? USING utf8mb4))", []any{p, p}
}
func (t mysqlText) ilike(p string, negate bool) (string, []any) {
	return "LOWER(CONVERT(" + t.col + " USING utf8mb4)) COLLATE utf8mb4_bin " + not(negate) + "LIKE LOWER(CONVERT(? USING utf8mb4))", []any{p}
}
func (t mysqlText) regexp(re regexpPattern) (string, []any) {
	return t.bin() + " REGEXP CONVERT(? USING utf8mb4)", []any{re.inline()}
}

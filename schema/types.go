package schema

import (
	"fmt"
	"regexp"
	"strings"
)

// Helpers for parsing type names and default expressions, shared by the
// dialects.

// numericWidens: numeric(p,s) -> numeric(p2,s2) keeps every value when it
// keeps as many integer and fractional digits; unconstrained numeric keeps all.
func numericWidens(from, to ColumnType) bool {
	if len(to.Args) == 0 {
		return true
	}
	if len(from.Args) == 0 {
		return false
	}
	return to.Scale() >= from.Scale() && to.Precision()-to.Scale() >= from.Precision()-from.Scale()
}

// splitType splits "timestamp(3) with time zone" into the base name
// "timestamp with time zone" and the arguments ["3"], and strips array
// suffixes ("[]", "[3]"). The input is trimmed and its whitespace collapsed;
// case is preserved.
func splitType(s string) (base string, args []string, array bool, err error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "", nil, false, fmt.Errorf("empty type")
	}
	for strings.HasSuffix(s, "]") {
		open := strings.LastIndexByte(s, '[')
		if open < 0 {
			return "", nil, false, fmt.Errorf("unbalanced brackets")
		}
		s, array = strings.TrimSpace(s[:open]), true
	}
	if upper := strings.ToUpper(s); strings.HasSuffix(upper, " ARRAY") {
		s, array = strings.TrimSpace(s[:len(s)-len(" ARRAY")]), true
	}
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return s, nil, array, nil
	}
	closing := matchingParen(s, open)
	if closing < 0 {
		return "", nil, false, fmt.Errorf("unbalanced parentheses")
	}
	base = strings.TrimSpace(strings.TrimSpace(s[:open]) + " " + strings.TrimSpace(s[closing+1:]))
	for _, a := range splitTopLevel(s[open+1:closing], ',') {
		args = append(args, strings.TrimSpace(a))
	}
	return base, args, array, nil
}

var castType = regexp.MustCompile(`^(?i)[a-z_][a-z0-9_ ]*(\([0-9, ]*\))?( with(out)? time zone)?(\[\])*$`)

// stripTrailingCast removes a top-level "::type" suffix, repeatedly.
func stripTrailingCast(s string) string {
	for {
		i := lastTopLevel(s, "::")
		if i < 0 || !castType.MatchString(strings.TrimSpace(s[i+2:])) {
			return s
		}
		s = strings.TrimSpace(s[:i])
	}
}

// multiWordTypes are the type names with spaces a cast may name.
var multiWordTypes = []string{
	"character varying", "double precision", "bit varying",
	"timestamp with time zone", "timestamp without time zone",
	"time with time zone", "time without time zone",
}

var castIdent = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)?`)

// stripLiteralCasts removes "::type" casts that directly follow a string
// literal anywhere in an expression: PostgreSQL writes lower('ABC'::text)
// for lower('ABC').
func stripLiteralCasts(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\'' {
			b.WriteByte(c)
			continue
		}
		end, closed := ansiSyntax.quoted(s, i)
		if !closed {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i:end])
		i = end - 1
		for strings.HasPrefix(s[i+1:], "::") {
			n := castLen(s[i+3:])
			if n == 0 {
				break
			}
			i += 2 + n
		}
	}
	return b.String()
}

// castLen returns the length of the type name at the start of s (with its
// arguments and array brackets), or 0.
func castLen(s string) int {
	n := 0
	lower := strings.ToLower(s)
	for _, t := range multiWordTypes {
		if strings.HasPrefix(lower, t) {
			n = len(t)
			break
		}
	}
	if n == 0 {
		n = len(castIdent.FindString(s))
		if n == 0 {
			return 0
		}
	}
	if strings.HasPrefix(s[n:], "(") {
		if end := strings.IndexByte(s[n:], ')'); end > 0 && strings.Trim(s[n+1:n+end], "0123456789, ") == "" {
			n += end + 1
		}
	}
	for strings.HasPrefix(s[n:], "[]") {
		n += 2
	}
	return n
}

var number = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// canonicalNumber spells a decimal literal one way: no leading plus or
// zeros, no trailing fractional zeros ("007.50" is "7.5", "-0" is "0").
func canonicalNumber(s string) (string, bool) {
	if !number.MatchString(s) {
		return "", false
	}
	if strings.ContainsAny(s, "eE") {
		return strings.ToLower(strings.TrimPrefix(s, "+")), true
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, true
}

// canonicalBool maps the spellings of a boolean literal to "true"/"false".
func canonicalBool(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "true", "t", "yes", "y", "on", "1":
		return "true", true
	case "false", "f", "no", "n", "off", "0":
		return "false", true
	}
	return "", false
}

// canonicalExpr lower-cases an expression outside quotes and removes
// insignificant whitespace, so that "NOW ( )" and "now()", "1+2" and
// "1 + 2" compare equal: a space is kept only between two words. The result
// is for comparison only, never written to DDL.
func canonicalExpr(s string) string {
	var (
		b       strings.Builder
		quote   byte
		pending bool // whitespace seen since the last written byte
		last    byte
	)
	word := func(c byte) bool {
		return c == '_' || c == '$' || c == '.' || c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			c == '\'' || c == '"' || c == '`'
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			b.WriteByte(c)
			if c == quote {
				quote = 0
			}
			last = c
			continue
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			pending = true
			continue
		}
		if pending && b.Len() > 0 && word(c) && word(last) {
			b.WriteByte(' ')
		}
		pending = false
		switch {
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
		last = c
	}
	return b.String()
}

// renameFunctions replaces, outside quotes, the names of a canonical
// expression's functions and niladic keywords by the names in names; a
// name mapped to a keyword (no parentheses) also loses an empty "()".
func renameFunctions(s string, names map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := ansiSyntax.skipQuoted(s, i)
			b.WriteString(s[i:j])
			i = j
		case c == '_' || (c >= 'a' && c <= 'z'):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			name := s[i:j]
			if to, ok := names[name]; ok && (i == 0 || s[i-1] != '.') {
				name = to
				if !strings.HasSuffix(to, "(") && strings.HasPrefix(s[j:], "()") {
					j += 2
				}
				name = strings.TrimSuffix(name, "(")
			}
			b.WriteString(name)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

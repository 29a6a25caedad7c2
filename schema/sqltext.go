package schema

import (
	"slices"
	"strings"
)

// The SQL text scanner: quoting, comments and parentheses, for parsing the
// text catalogs return (types, defaults, SQLite's CREATE statements).

// sqlToken is one token of a statement: a word or number ('w'), a quoted
// identifier ('q'), a string literal ('s'), a parenthesised group with its
// parentheses ('('), or punctuation ('p').
type sqlToken struct {
	kind       byte
	text       string
	start, end int // byte offsets in the lexed text
}

func (t sqlToken) inner() string {
	if t.kind != '(' || len(t.text) < 2 {
		return ""
	}
	return t.text[1 : len(t.text)-1]
}

// lexSQL splits a statement into tokens, skipping whitespace and comments.
// It reads SQLite's syntax, where [name] quotes an identifier too.
func lexSQL(s string) []sqlToken {
	var toks []sqlToken
	for i := 0; i < len(s); {
		start, c := i, s[i]
		var kind byte
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
			continue
		case isComment(s, i):
			i = skipComment(s, i)
			continue
		case c == '(':
			kind, i = '(', sqliteSyntax.skipGroup(s, i)
		case c == '\'':
			kind, i = 's', sqliteSyntax.skipQuoted(s, i)
		case c == '"' || c == '`' || c == '[':
			kind, i = 'q', sqliteSyntax.skipQuoted(s, i)
		case isWordByte(c):
			kind = 'w'
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
		default:
			kind, i = 'p', i+1
		}
		toks = append(toks, sqlToken{kind: kind, text: s[start:i], start: start, end: i})
	}
	return toks
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// sqlSyntax is how a dialect's SQL text quotes, beyond what every dialect
// shares: '...' for strings, "..." and `...` for names, a doubled quote
// inside being part of the text, and -- and /* */ comments.
type sqlSyntax struct {
	brackets  bool // [name] quotes a name (SQLite)
	backslash bool // a backslash escapes the next byte in a quote (MySQL)
}

var (
	ansiSyntax   = sqlSyntax{}
	sqliteSyntax = sqlSyntax{brackets: true}
	mysqlSyntax  = sqlSyntax{backslash: true}
)

// isQuote reports whether s[i] opens a quoted string or name.
func (syn sqlSyntax) isQuote(c byte) bool {
	return c == '\'' || c == '"' || c == '`' || (c == '[' && syn.brackets)
}

// skipQuoted returns the index after the quoted text opened at i (len(s)
// when it is not closed).
func (syn sqlSyntax) skipQuoted(s string, i int) int {
	end, _ := syn.quoted(s, i)
	return end
}

// quoted returns the index after the quoted text opened at i and whether
// its closing quote was found.
func (syn sqlSyntax) quoted(s string, i int) (end int, closed bool) {
	closing := s[i]
	if closing == '[' {
		closing = ']'
	}
	for j := i + 1; j < len(s); j++ {
		switch {
		case syn.backslash && s[j] == '\\' && closing != ']':
			j++
		case s[j] != closing:
		case closing != ']' && j+1 < len(s) && s[j+1] == closing:
			j++ // a doubled quote
		default:
			return j + 1, true
		}
	}
	return len(s), false
}

func isComment(s string, i int) bool {
	return strings.HasPrefix(s[i:], "--") || strings.HasPrefix(s[i:], "/*")
}

// skipComment returns the index after the comment starting at i.
func skipComment(s string, i int) int {
	if strings.HasPrefix(s[i:], "--") {
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j + 1
		}
		return len(s)
	}
	if j := strings.Index(s[i+2:], "*/"); j >= 0 {
		return i + 2 + j + 2
	}
	return len(s)
}

// scan calls fn, from index from on, for every byte of s outside quoted
// text and comments, with the parenthesis depth after that byte; fn returns
// false to stop. It is the one scanner every parser here uses.
func (syn sqlSyntax) scan(s string, from int, fn func(i, depth int) bool) {
	depth := 0
	for i := from; i < len(s); {
		c := s[i]
		switch {
		case syn.isQuote(c):
			i = syn.skipQuoted(s, i)
			continue
		case isComment(s, i):
			i = skipComment(s, i)
			continue
		case c == '(':
			depth++
		case c == ')':
			depth--
		}
		if !fn(i, depth) {
			return
		}
		i++
	}
}

// matchingParen returns the index of the parenthesis closing the one at
// open; -1 when there is none.
func (syn sqlSyntax) matchingParen(s string, open int) int {
	end := -1
	syn.scan(s, open, func(i, depth int) bool {
		if s[i] == ')' && depth == 0 {
			end = i
			return false
		}
		return true
	})
	return end
}

// skipGroup returns the index after the parenthesis closing the one at i.
func (syn sqlSyntax) skipGroup(s string, i int) int {
	if end := syn.matchingParen(s, i); end >= 0 {
		return end + 1
	}
	return len(s)
}

// splitTokens splits at commas, dropping empty parts.
func splitTokens(toks []sqlToken) [][]sqlToken {
	var parts [][]sqlToken
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i == len(toks) || (toks[i].kind == 'p' && toks[i].text == ",") {
			if i > start {
				parts = append(parts, toks[start:i])
			}
			start = i + 1
		}
	}
	return parts
}

func isKeyword(t sqlToken, words ...string) bool {
	return t.kind == 'w' && slices.ContainsFunc(words, func(w string) bool { return strings.EqualFold(t.text, w) })
}

// identOf is the name a token spells, without its quotes.
func identOf(t sqlToken) string {
	switch {
	case t.kind == 'q' && t.text[0] == '[':
		return strings.TrimSuffix(t.text[1:], "]")
	case t.kind == 'q' || t.kind == 's':
		q := t.text[:1]
		return strings.ReplaceAll(strings.TrimSuffix(t.text[1:], q), q+q, q)
	}
	return t.text
}

// nextGroup is the first parenthesised group after index i, or nil.
func nextGroup(toks []sqlToken, i int) *sqlToken {
	for j := i; j < len(toks); j++ {
		if toks[j].kind == '(' {
			return &toks[j]
		}
	}
	return nil
}

// matchingParen is ansiSyntax.matchingParen.
func matchingParen(s string, open int) int { return ansiSyntax.matchingParen(s, open) }

// splitTopLevel splits s at sep outside quotes and parentheses.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	start := 0
	ansiSyntax.scan(s, 0, func(i, depth int) bool {
		if s[i] == sep && depth == 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
		return true
	})
	return append(out, s[start:])
}

// stripOuterParens removes parentheses enclosing the whole expression.
func stripOuterParens(s string) string {
	for len(s) >= 2 && s[0] == '(' && matchingParen(s, 0) == len(s)-1 {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// lastTopLevel returns the index of the last occurrence of sub outside
// quotes and parentheses, or -1.
func lastTopLevel(s, sub string) int {
	last := -1
	ansiSyntax.scan(s, 0, func(i, depth int) bool {
		if depth == 0 && strings.HasPrefix(s[i:], sub) {
			last = i
		}
		return true
	})
	return last
}

// isQuoted reports whether s is one single-quoted SQL string literal.
func isQuoted(s string) bool {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\'' {
			if s[i+1] != '\'' {
				return false
			}
			i++
		}
	}
	return true
}

func unquote(s string) string {
	return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// indexKey is an index's key columns, quoted, each followed by DESC where
// the index sorts it descending.
func indexKey(d interface{ quote(string) string }, ix *Index) string {
	parts := make([]string, len(ix.Columns))
	for i, c := range ix.Columns {
		parts[i] = d.quote(c)
		if i < len(ix.Desc) && ix.Desc[i] {
			parts[i] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

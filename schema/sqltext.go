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

func lexSQL(s string) []sqlToken {
	var toks []sqlToken
	for i := 0; i < len(s); {
		start, c := i, s[i]
		var kind byte
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
			continue
		case strings.HasPrefix(s[i:], "--") || strings.HasPrefix(s[i:], "/*"):
			i = skipComment(s, i)
			continue
		case c == '(':
			kind, i = '(', skipGroup(s, i)
		case c == '\'':
			kind, i = 's', skipQuoted(s, i, '\'')
		case c == '"' || c == '`':
			kind, i = 'q', skipQuoted(s, i, c)
		case c == '[':
			kind, i = 'q', skipQuoted(s, i, ']')
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

// skipQuoted returns the index after the quoted text opened at i and closed
// by closing; a doubled closing quote belongs to the text.
func skipQuoted(s string, i int, closing byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] != closing {
			continue
		}
		if closing != ']' && j+1 < len(s) && s[j+1] == closing {
			j++
			continue
		}
		return j + 1
	}
	return len(s)
}

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

// skipGroup returns the index after the parenthesis closing the one at i.
func skipGroup(s string, i int) int {
	depth := 0
	for j := i; j < len(s); {
		switch c := s[j]; {
		case c == '(':
			depth++
			j++
		case c == ')':
			depth--
			j++
			if depth == 0 {
				return j
			}
		case c == '\'' || c == '"' || c == '`':
			j = skipQuoted(s, j, c)
		case c == '[':
			j = skipQuoted(s, j, ']')
		case strings.HasPrefix(s[j:], "--") || strings.HasPrefix(s[j:], "/*"):
			j = skipComment(s, j)
		default:
			j++
		}
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

// matchingParen returns the index of the parenthesis closing the one at
// open, skipping quoted text; -1 when there is none.
func matchingParen(s string, open int) int {
	end := -1
	scanOutsideQuotes(s, open, func(i, depth int) bool {
		if s[i] == ')' && depth == 0 {
			end = i
			return false
		}
		return true
	})
	return end
}

// scanOutsideQuotes calls fn, from index from on, for every byte of s that
// is not inside a quoted literal or identifier, with the parenthesis depth
// after that byte; fn returns false to stop.
func scanOutsideQuotes(s string, from int, fn func(i, depth int) bool) {
	depth := 0
	var quote byte
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			continue
		case c == '\'' || c == '"' || c == '`':
			quote = c
			continue
		case c == '(':
			depth++
		case c == ')':
			depth--
		}
		if !fn(i, depth) {
			return
		}
	}
}

// splitTopLevel splits s at sep outside quotes and parentheses.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	start := 0
	scanOutsideQuotes(s, 0, func(i, depth int) bool {
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
	scanOutsideQuotes(s, 0, func(i, depth int) bool {
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

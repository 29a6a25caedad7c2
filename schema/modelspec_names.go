package schema

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jinzhu/inflection"
)

// Names: Go names of tables and columns (initialisms, exported and JSON
// names, type names), and the sets that keep them unique.

// commonInitialisms are spelled in capitals in Go names (as golint's list).
var commonInitialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true, "EOF": true, "GUID": true,
	"HTML": true, "HTTP": true, "HTTPS": true, "ID": true, "IP": true, "JSON": true, "LHS": true, "QPS": true,
	"RAM": true, "RHS": true, "RPC": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "TCP": true,
	"TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "UUID": true, "URI": true, "URL": true,
	"UTF8": true, "VM": true, "XML": true, "XMPP": true, "XSRF": true, "XSS": true,
}

// nameWords splits a database or JSON name into words: at anything but
// letters and digits, and where "fooBar" and "HTTPServer" change case.
func nameWords(s string) []string {
	var (
		words []string
		cur   []rune
	)
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = nil
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.IsUpper(r) {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

// titleWord capitalises a word, or spells it in capitals when it is an
// initialism.
func titleWord(w string) string {
	if up := strings.ToUpper(w); commonInitialisms[up] {
		return up
	}
	r, n := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + strings.ToLower(w[n:])
}

// exportedName turns a database or JSON name into an exported Go name:
// "customer_id" is CustomerID, "firstName" FirstName. A name that would not
// start with a letter gets an X in front.
func exportedName(s string) string {
	var b strings.Builder
	for _, w := range nameWords(s) {
		b.WriteString(titleWord(w))
	}
	name := b.String()
	if r, _ := utf8.DecodeRuneInString(name); name == "" || !unicode.IsUpper(r) {
		name = "X" + name
	}
	return name
}

// jsonName is a column's name in JSON, in camelCase as LoopBack's
// properties are: "customer_id" is customerId.
func jsonName(s string) string {
	words := nameWords(s)
	if len(words) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(words[0]))
	for _, w := range words[1:] {
		r, n := utf8.DecodeRuneInString(w)
		b.WriteString(string(unicode.ToUpper(r)) + strings.ToLower(w[n:]))
	}
	return b.String()
}

// typeNameFor is a model's Go type name for a table: singular, as bun's
// table names are plural ("order_items" is OrderItem).
func typeNameFor(table string) string {
	words := nameWords(table)
	if n := len(words); n > 0 {
		last := words[n-1]
		lower := strings.ToLower(last)
		if !strings.HasSuffix(lower, "data") && !strings.HasSuffix(lower, "media") {
			if s := inflection.Singular(lower); s != "" {
				words[n-1] = s
			}
		}
	}
	return exportedName(strings.Join(words, "_"))
}

// names hands out names that are unique within one scope.
type names map[string]bool

// take returns the first of the candidates not taken yet (or the last one
// with a number), and takes it.
func (n names) take(candidates ...string) string {
	for _, c := range candidates {
		if c != "" && !n[c] {
			n[c] = true
			return c
		}
	}
	base := candidates[len(candidates)-1]
	for i := 2; ; i++ {
		if c := base + strconv.Itoa(i); !n[c] {
			n[c] = true
			return c
		}
	}
}

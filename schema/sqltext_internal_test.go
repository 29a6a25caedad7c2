package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMatchingParenSkipsQuotesAndComments(t *testing.T) {
	tests := []struct {
		name string
		syn  sqlSyntax
		give string
		want int
	}{
		{"plain", ansiSyntax, "(a, (b))", 7},
		{"string with a parenthesis", ansiSyntax, "('a)b', c)", 9},
		{"doubled quote", ansiSyntax, "('it''s)', c)", 12},
		{"quoted name", ansiSyntax, `("a)", b)`, 8},
		{"backquoted name", ansiSyntax, "(`a)`, b)", 8},
		{"comment", ansiSyntax, "(a -- )\n)", 8},
		{"block comment", ansiSyntax, "(a /* ) */)", 10},
		{"SQLite bracket name", sqliteSyntax, "([a)], b)", 8},
		{"brackets are not quotes elsewhere", ansiSyntax, "(a[1])", 5},
		{"MySQL backslash escape", mysqlSyntax, `('a\')', b)`, 10},
		{"unclosed", ansiSyntax, "(a, (b)", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.syn.matchingParen(tt.give, 0), tt.give)
		})
	}
}

func TestQuotedSaysWhetherTheQuoteCloses(t *testing.T) {
	tests := []struct {
		give       string
		wantEnd    int
		wantClosed bool
	}{
		{"'ab' x", 4, true},
		{"'a''b'", 6, true},
		{"'ab''", 5, false},
		{"'ab", 3, false},
	}
	for _, tt := range tests {
		end, closed := ansiSyntax.quoted(tt.give, 0)
		assert.Equal(t, tt.wantEnd, end, tt.give)
		assert.Equal(t, tt.wantClosed, closed, tt.give)
	}
}

func TestMySplitOnUpdate(t *testing.T) {
	tests := []struct{ give, wantDef, wantOn string }{
		{"current_timestamp on update current_timestamp", "current_timestamp", "current_timestamp"},
		{"CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)", "CURRENT_TIMESTAMP(3)", "CURRENT_TIMESTAMP(3)"},
		{`'it\'s on update x'`, `'it\'s on update x'`, ""},
		{"(on_update_count + 1)", "(on_update_count + 1)", ""},
	}
	for _, tt := range tests {
		def, on := mySplitOnUpdate(tt.give)
		assert.Equal(t, tt.wantDef, def, tt.give)
		assert.Equal(t, tt.wantOn, on, tt.give)
	}
}

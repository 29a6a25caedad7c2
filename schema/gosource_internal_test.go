package schema

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwaygo/slipway/internal/testdb"
)

// Values written with tagValue and columnOption come back from bun's own
// tag parser exactly, whatever they hold.
func TestTagValue_BunReadsItBack(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	tests := []string{
		"0", "'x'", "''", "'it''s'", "current_timestamp", "lower('ABC')", "numeric(10,2)",
		"'a,b'", "'a,b (c'", "'(x'", "'x)'", `'say "hi"'`, `'back\slash'`, "enum('a','b,c')",
		"' padded '", "now() on update now()", "'日本語'", `'ends\\'`, `x\`,
	}
	for _, give := range tests {
		tag := strconv.Quote("f,type:text,default:" + tagValue(give))
		typ := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeFor[string](), Tag: reflect.StructTag("bun:" + tag)}})
		f := db.Table(typ).FieldMap["f"]
		require.NotNil(t, f, "tag %s", tag)
		assert.Equal(t, give, f.SQLDefault, "tag %s", tag)
		assert.Equal(t, "text", f.UserSQLType, "tag %s: the value must not swallow what follows", tag)
	}
}

func TestColumnOption_BunReadsTheName(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	tests := []string{"id", "FirstName", "e-mail", "a:b", "a,b", `say "hi"`, "type", "default", "unique", "Mixed Case", "(x"}
	for _, give := range tests {
		tag := strconv.Quote(columnOption(give) + ",notnull")
		typ := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeFor[string](), Tag: reflect.StructTag("bun:" + tag)}})
		bt := db.Table(typ)
		require.Len(t, bt.Fields, 1, "tag %s", tag)
		assert.Equal(t, give, bt.Fields[0].Name, "tag %s", tag)
		assert.True(t, bt.Fields[0].NotNull, "tag %s", tag)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		give                string
		wantField, wantJSON string
		wantType            string
	}{
		{"id", "ID", "id", "ID"},
		{"customer_id", "CustomerID", "customerId", "CustomerID"},
		{"firstName", "FirstName", "firstName", "FirstName"},
		{"CUSTOMER_TEST", "CustomerTest", "customerTest", "CustomerTest"},
		{"order_items", "OrderItems", "orderItems", "OrderItem"},
		{"HTTPServer", "HTTPServer", "httpServer", "HTTPServer"},
		{"e-mail", "EMail", "eMail", "EMail"},
		{"2fa_codes", "X2faCodes", "2faCodes", "X2faCode"},
		{"metadata", "Metadata", "metadata", "Metadata"},
		{"categories", "Categories", "categories", "Category"},
		{"Mixed Case", "MixedCase", "mixedCase", "MixedCase"},
		{"$$", "X", "", "X"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.wantField, exportedName(tt.give), "exportedName(%q)", tt.give)
		assert.Equal(t, tt.wantJSON, jsonName(tt.give), "jsonName(%q)", tt.give)
		assert.Equal(t, tt.wantType, typeNameFor(tt.give), "typeNameFor(%q)", tt.give)
	}
}

func TestOrderColumns(t *testing.T) {
	tests := []struct {
		name   string
		give   []string
		chains [][]string
		want   []string
		wantOK bool
	}{
		{"in order already", []string{"a", "b", "c"}, [][]string{{"a", "c"}}, []string{"a", "b", "c"}, true},
		{"a later column moves up", []string{"a", "b", "c"}, [][]string{{"c", "a"}}, []string{"c", "a", "b"}, true},
		{"two chains", []string{"a", "b", "c", "d"}, [][]string{{"d", "b"}, {"c", "a"}}, []string{"c", "a", "d", "b"}, true},
		{"contradiction", []string{"a", "b"}, [][]string{{"a", "b"}, {"b", "a"}}, []string{"a", "b"}, false},
		{"unknown columns are ignored", []string{"a", "b"}, [][]string{{"x", "b", "a"}}, []string{"b", "a"}, true},
	}
	for _, tt := range tests {
		got, ok := orderColumns(tt.give, tt.chains)
		assert.Equal(t, tt.want, got, tt.name)
		assert.Equal(t, tt.wantOK, ok, tt.name)
	}
}

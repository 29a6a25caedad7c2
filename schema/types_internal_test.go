package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPostgresParseType(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "BIGINT", want: "bigint"},
		{give: "int8", want: "bigint"},
		{give: "BIGSERIAL", want: "bigint"},
		{give: "serial", want: "integer"},
		{give: "int", want: "integer"},
		{give: "SMALLSERIAL", want: "smallint"},
		{give: "VARCHAR", want: "varchar"},
		{give: "character varying", want: "varchar"},
		{give: "character varying(40)", want: "varchar(40)"},
		{give: "VARCHAR( 40 )", want: "varchar(40)"},
		{give: "character(10)", want: "char(10)"},
		{give: "char", want: "char(1)"},
		{give: "TIMESTAMPTZ", want: "timestamptz"},
		{give: "timestamp with time zone", want: "timestamptz"},
		{give: "timestamp(3) with time zone", want: "timestamptz(3)"},
		{give: "TIMESTAMPTZ(3)", want: "timestamptz(3)"},
		{give: "timestamp without time zone", want: "timestamp"},
		{give: "DECIMAL(10,2)", want: "numeric(10,2)"},
		{give: "numeric(10)", want: "numeric(10,0)"},
		{give: "DOUBLE PRECISION", want: "double precision"},
		{give: "float8", want: "double precision"},
		{give: "float(10)", want: "real"},
		{give: "float(40)", want: "double precision"},
		{give: "BOOLEAN", want: "boolean"},
		{give: "bool", want: "boolean"},
		{give: "JSONB", want: "jsonb"},
		{give: "BIGINT[]", want: "bigint[]"},
		{give: "bigint[]", want: "bigint[]"},
		{give: "varchar(5)[][]", want: "varchar(5)[]"},
		{give: "character varying(5)[]", want: "varchar(5)[]"},
		{give: "integer ARRAY", want: "integer[]"},
		{give: "time without time zone", want: "time"},
		{give: "time(6) with time zone", want: "timetz(6)"},
		{give: `"Mood"`, want: `"Mood"`},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := postgres{}.parseType(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestPostgresParseTypeRejectsMalformed(t *testing.T) {
	for _, give := range []string{"", "varchar(40", "int]"} {
		_, err := postgres{}.parseType(give)
		assert.Error(t, err, give)
	}
}

func TestPostgresNormalizeDefault(t *testing.T) {
	tests := []struct {
		name string
		give string
		typ  string
		want string
	}{
		{name: "string literal with cast", give: "'x'::character varying", typ: "varchar", want: "'x'"},
		{name: "string literal", give: "'x'", typ: "varchar", want: "'x'"},
		{name: "quote inside", give: "'it''s'::text", typ: "text", want: "'it''s'"},
		{name: "empty string", give: "''::character varying", typ: "varchar", want: "''"},
		{name: "negative int as catalog keeps it", give: "'-1'::integer", typ: "integer", want: "-1"},
		{name: "negative int", give: "-1", typ: "integer", want: "-1"},
		{name: "parenthesized", give: "(-1)", typ: "bigint", want: "-1"},
		{name: "decimal zeros", give: "1.50", typ: "numeric(10,2)", want: "1.5"},
		{name: "quoted number", give: "'0'", typ: "integer", want: "0"},
		{name: "bool upper", give: "TRUE", typ: "boolean", want: "true"},
		{name: "bool quoted t", give: "'t'::boolean", typ: "boolean", want: "true"},
		{name: "now", give: "now()", typ: "timestamptz", want: "current_timestamp"},
		{name: "current_timestamp upper", give: "CURRENT_TIMESTAMP", typ: "timestamptz", want: "current_timestamp"},
		{name: "current_timestamp lower", give: "current_timestamp", typ: "timestamptz", want: "current_timestamp"},
		{name: "function spacing", give: "gen_random_uuid ( )", typ: "uuid", want: "gen_random_uuid()"},
		{name: "jsonb object", give: "'{}'::jsonb", typ: "jsonb", want: "'{}'"},
		{name: "array literal", give: "'{}'::text[]", typ: "text[]", want: "'{}'"},
		{name: "array constructor", give: "ARRAY[]::text[]", typ: "text[]", want: "array[]"},
		{name: "null", give: "NULL::character varying", typ: "varchar", want: ""},
		{name: "timestamp cast", give: "'2020-01-01 00:00:00'::timestamp without time zone", typ: "timestamp", want: "'2020-01-01 00:00:00'"},
		{name: "expression keeps case in quotes", give: "upper('Ab')", typ: "text", want: "upper('Ab')"},
		{name: "cast inside expression", give: "lower('ABC'::text)", typ: "text", want: "lower('ABC')"},
		{name: "multi-word cast inside expression", give: "concat('a'::character varying, 'b''c'::text)", typ: "text", want: "concat('a','b''c')"},
		{name: "interval arithmetic", give: "(now() + '1 day'::interval)", typ: "timestamptz", want: "now()+'1 day'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, err := postgres{}.parseType(tt.typ)
			require.NoError(t, err)
			assert.Equal(t, tt.want, postgres{}.normalizeDefault(tt.give, typ))
		})
	}
}

func TestPostgresWidens(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{from: "varchar(40)", to: "varchar(60)", want: true},
		{from: "varchar(60)", to: "varchar(40)", want: false},
		{from: "varchar(40)", to: "varchar", want: true},
		{from: "varchar", to: "varchar(40)", want: false},
		{from: "varchar(40)", to: "text", want: true},
		{from: "text", to: "varchar", want: true},
		{from: "text", to: "varchar(10)", want: false},
		{from: "integer", to: "bigint", want: true},
		{from: "smallint", to: "integer", want: true},
		{from: "bigint", to: "integer", want: false},
		{from: "integer", to: "numeric", want: true},
		{from: "integer", to: "numeric(12,2)", want: true},
		{from: "integer", to: "numeric(10,2)", want: false},
		{from: "real", to: "double precision", want: true},
		{from: "double precision", to: "real", want: false},
		{from: "numeric(10,2)", to: "numeric(12,2)", want: true},
		{from: "numeric(10,2)", to: "numeric(12,4)", want: true},
		{from: "numeric(10,2)", to: "numeric(10,4)", want: false},
		{from: "numeric(10,2)", to: "numeric", want: true},
		{from: "timestamptz(3)", to: "timestamptz", want: true},
		{from: "timestamptz", to: "timestamptz(3)", want: false},
		{from: "text", to: "integer", want: false},
		{from: "json", to: "jsonb", want: false},
		{from: "integer[]", to: "bigint[]", want: true},
		{from: "integer", to: "integer[]", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.from+"->"+tt.to, func(t *testing.T) {
			from, err := postgres{}.parseType(tt.from)
			require.NoError(t, err)
			to, err := postgres{}.parseType(tt.to)
			require.NoError(t, err)
			assert.Equal(t, tt.want, postgres{}.widens(from, to))
		})
	}
}

func TestCanonicalExpr(t *testing.T) {
	tests := []struct{ give, want string }{
		{give: "NOW( )", want: "now()"},
		{give: "coalesce( a ,  b )", want: "coalesce(a,b)"},
		{give: "'A  B'", want: "'A  B'"},
		{give: "a   +   B", want: "a+b"},
		{give: `lower("Name")`, want: `lower("Name")`},
		{give: "(current_timestamp() + interval 1 day)", want: "(current_timestamp()+interval 1 day)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, canonicalExpr(tt.give), tt.give)
	}
}

func TestRenameFunctions(t *testing.T) {
	tests := []struct{ give, want string }{
		{give: "lcase('B')", want: "lower('B')"},
		{give: "now()+interval 1 day", want: "current_timestamp+interval 1 day"},
		{give: "current_timestamp()", want: "current_timestamp"},
		{give: "current_timestamp(3)", want: "current_timestamp(3)"},
		{give: "curdate()", want: "current_date"},
		{give: "'lcase(x)'", want: "'lcase(x)'"},
		{give: "t.lcase(x)", want: "t.lcase(x)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, renameFunctions(tt.give, myFunctionNames), tt.give)
	}
}

func TestConstraintNameIsShortenedDeterministically(t *testing.T) {
	long := constraintName("a_table_with_a_rather_long_name", []string{"first_long_column", "second_long_column"}, "key")
	assert.LessOrEqual(t, len(long), 63)
	assert.Equal(t, long, constraintName("a_table_with_a_rather_long_name", []string{"first_long_column", "second_long_column"}, "key"))
	assert.Equal(t, "todos_title_idx", constraintName("todos", []string{"title"}, "idx"))
}

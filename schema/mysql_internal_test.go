package schema

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMySQLParseType(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		// bun's types on MySQL
		{give: "BOOLEAN", want: "tinyint(1)"},
		{give: "SMALLINT", want: "smallint"},
		{give: "INTEGER", want: "int"},
		{give: "BIGINT", want: "bigint"},
		{give: "REAL", want: "double"},
		{give: "DOUBLE PRECISION", want: "double"},
		{give: "VARCHAR(255)", want: "varchar(255)"},
		{give: "BLOB", want: "blob"},
		{give: "DATETIME", want: "datetime"},
		{give: "JSON", want: "json"},
		// integer display widths: MariaDB and MySQL before 8.0.19 report them
		{give: "int(11)", want: "int"},
		{give: "bigint(20)", want: "bigint"},
		{give: "tinyint(4)", want: "tinyint"},
		{give: "tinyint(1)", want: "tinyint(1)"},
		{give: "bool", want: "tinyint(1)"},
		{give: "mediumint(9)", want: "mediumint"},
		{give: "int4", want: "int"},
		{give: "int8", want: "bigint"},
		// signedness
		{give: "bigint(20) unsigned", want: "bigint unsigned"},
		{give: "BIGINT UNSIGNED", want: "bigint unsigned"},
		{give: "int(10) unsigned zerofill", want: "int unsigned"},
		{give: "int signed", want: "int"},
		{give: "serial", want: "bigint unsigned"},
		// lengths, precision and scale
		{give: "character varying(12)", want: "varchar(12)"},
		{give: "char", want: "char(1)"},
		{give: "binary", want: "binary(1)"},
		{give: "bit", want: "bit(1)"},
		{give: "numeric", want: "decimal(10,0)"},
		{give: "decimal(8)", want: "decimal(8,0)"},
		{give: "DECIMAL(10, 2)", want: "decimal(10,2)"},
		{give: "float(10)", want: "float"},
		{give: "float(30)", want: "double"},
		{give: "float(10,2)", want: "float(10,2)"},
		// time
		{give: "datetime(6)", want: "datetime(6)"},
		{give: "datetime(0)", want: "datetime"},
		{give: "timestamp(0)", want: "timestamp"},
		{give: "year(4)", want: "year"},
		// text and blob families; TEXT(n) becomes the smallest fitting type
		{give: "LONGTEXT", want: "longtext"},
		{give: "text(50)", want: "tinytext"},
		{give: "text(16000)", want: "text"},
		{give: "text(20000)", want: "mediumtext"},
		{give: "blob(300)", want: "blob"},
		{give: "long varchar", want: "mediumtext"},
		// enum values keep their case
		{give: "ENUM('A', 'b')", want: "enum('A','b')"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := mysql{}.parseType(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestMySQLParseTypeRejects(t *testing.T) {
	tests := []struct{ give, want string }{
		{give: "int[]", want: "no array types"},
		{give: "varchar(20) CHARACTER SET latin1", want: "character set and collation"},
		{give: "varchar(20) COLLATE utf8mb4_bin", want: "character set and collation"},
		{give: "varchar(40", want: "unbalanced"},
	}
	for _, tt := range tests {
		_, err := mysql{}.parseType(tt.give)
		assert.ErrorContains(t, err, tt.want, tt.give)
	}
}

func TestMySQLNormalizeDefault(t *testing.T) {
	tests := []struct {
		name string
		give string
		typ  string
		want string
	}{
		{name: "string", give: "'hello'", typ: "varchar(20)", want: "'hello'"},
		{name: "doubled quote", give: "'it''s'", typ: "varchar(20)", want: "'it''s'"},
		{name: "backslash quote", give: `'it\'s'`, typ: "varchar(20)", want: "'it''s'"},
		{name: "backslash", give: `'a\\b'`, typ: "varchar(20)", want: `'a\\b'`},
		{name: "empty", give: "''", typ: "varchar(20)", want: "''"},
		{name: "string NULL is a value", give: "'NULL'", typ: "varchar(20)", want: "'NULL'"},
		{name: "NULL", give: "NULL", typ: "varchar(20)", want: ""},
		{name: "expression default in parentheses", give: "('x')", typ: "text", want: "'x'"},
		{name: "MySQL 8 expression with charset introducer", give: "(_utf8mb4'x')", typ: "text", want: "'x'"},
		{name: "decimal zeros", give: "0.0000", typ: "decimal(12,4)", want: "0"},
		{name: "decimal", give: "0", typ: "decimal(12,4)", want: "0"},
		{name: "quoted number", give: "'7'", typ: "bigint", want: "7"},
		{name: "negative", give: "-1", typ: "bigint", want: "-1"},
		{name: "true", give: "true", typ: "boolean", want: "1"},
		{name: "TRUE", give: "TRUE", typ: "tinyint(1)", want: "1"},
		{name: "false", give: "false", typ: "boolean", want: "0"},
		{name: "bool as catalog keeps it", give: "1", typ: "tinyint(1)", want: "1"},
		{name: "float", give: "1.50", typ: "double", want: "1.5"},
		{name: "bit literal", give: "b'1'", typ: "bit(1)", want: "1"},
		{name: "bit number", give: "1", typ: "bit(1)", want: "1"},
		{name: "CURRENT_TIMESTAMP", give: "CURRENT_TIMESTAMP", typ: "datetime", want: "current_timestamp"},
		{name: "current_timestamp()", give: "current_timestamp()", typ: "datetime", want: "current_timestamp"},
		{name: "now()", give: "now()", typ: "timestamp", want: "current_timestamp"},
		{name: "localtimestamp", give: "LOCALTIMESTAMP", typ: "datetime", want: "current_timestamp"},
		{name: "precision", give: "CURRENT_TIMESTAMP(6)", typ: "datetime(6)", want: "current_timestamp(6)"},
		{name: "now(6)", give: "now(6)", typ: "datetime(6)", want: "current_timestamp(6)"},
		{name: "on update, model", give: "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP", typ: "timestamp", want: "current_timestamp on update current_timestamp"},
		{name: "on update, MariaDB", give: "current_timestamp() ON UPDATE current_timestamp()", typ: "timestamp", want: "current_timestamp on update current_timestamp"},
		{name: "on update without default", give: "NULL ON UPDATE now()", typ: "datetime", want: "null on update current_timestamp"},
		{name: "on update inside a literal is text", give: "'on update x'", typ: "varchar(20)", want: "'on update x'"},
		{name: "date on datetime", give: "'2020-01-01'", typ: "datetime", want: "'2020-01-01 00:00:00'"},
		{name: "datetime precision", give: "'2020-01-01 10:00:00'", typ: "datetime(3)", want: "'2020-01-01 10:00:00.000'"},
		{name: "date", give: "'2020-01-01'", typ: "date", want: "'2020-01-01'"},
		{name: "expression", give: "(1 + 2)", typ: "int", want: "1+2"},
		{name: "function spacing", give: "UUID ( )", typ: "varchar(36)", want: "uuid()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, err := mysql{}.parseType(tt.typ)
			require.NoError(t, err)
			assert.Equal(t, tt.want, mysql{}.normalizeDefault(tt.give, typ))
		})
	}
}

// The catalogs of both servers, read into SQL and normalised, give the
// spelling a model's default gets.
func TestMySQLCatalogDefault(t *testing.T) {
	null := sql.NullString{}
	val := func(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
	tests := []struct {
		name    string
		def     sql.NullString
		extra   string
		typ     string
		mariaDB bool
		model   string // the model's default tag the column was made from
	}{
		{name: "MariaDB string", def: val("'hello'"), typ: "varchar(20)", mariaDB: true, model: "'hello'"},
		{name: "MySQL string", def: val("hello"), typ: "varchar(20)", model: "'hello'"},
		{name: "MariaDB quote", def: val("'it''s'"), typ: "varchar(20)", mariaDB: true, model: "'it''s'"},
		{name: "MySQL quote", def: val("it's"), typ: "varchar(20)", model: "'it''s'"},
		{name: "MariaDB backslash", def: val(`'a\\b'`), typ: "varchar(20)", mariaDB: true, model: `'a\\b'`},
		{name: "MySQL backslash", def: val(`a\b`), typ: "varchar(20)", model: `'a\\b'`},
		{name: "MariaDB nullable without default", def: val("NULL"), typ: "varchar(20)", mariaDB: true, model: ""},
		{name: "MySQL nullable without default", def: null, typ: "varchar(20)", model: ""},
		{name: "MariaDB NOT NULL without default", def: null, typ: "varchar(20)", mariaDB: true, model: ""},
		{name: "MariaDB the string NULL", def: val("'NULL'"), typ: "varchar(20)", mariaDB: true, model: "'NULL'"},
		{name: "MySQL the string NULL", def: val("NULL"), typ: "varchar(20)", model: "'NULL'"},
		{name: "MySQL numeric-looking string", def: val("5"), typ: "varchar(20)", model: "'5'"},
		{name: "MariaDB decimal", def: val("0.0000"), typ: "decimal(12,4)", mariaDB: true, model: "0"},
		{name: "MySQL decimal", def: val("0.0000"), typ: "decimal(12,4)", model: "0"},
		{name: "MariaDB bool", def: val("1"), typ: "tinyint(1)", mariaDB: true, model: "true"},
		{name: "MySQL bool", def: val("1"), typ: "tinyint(1)", model: "true"},
		{name: "MySQL bit", def: val("b'1'"), typ: "bit(1)", model: "1"},
		{name: "MariaDB current_timestamp", def: val("current_timestamp()"), typ: "datetime", mariaDB: true, model: "current_timestamp"},
		{name: "MySQL 8 CURRENT_TIMESTAMP", def: val("CURRENT_TIMESTAMP"), extra: "DEFAULT_GENERATED", typ: "datetime", model: "current_timestamp"},
		{name: "MariaDB on update", def: val("current_timestamp(6)"), extra: "on update current_timestamp(6)", typ: "datetime(6)", mariaDB: true,
			model: "CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"},
		{name: "MySQL on update", def: val("CURRENT_TIMESTAMP(6)"), extra: "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)", typ: "datetime(6)",
			model: "now(6) on update now(6)"},
		{name: "MariaDB text literal default", def: val("'x'"), typ: "text", mariaDB: true, model: "'x'"},
		{name: "MySQL 8 text expression default", def: val(`_utf8mb4\'x\'`), extra: "DEFAULT_GENERATED", typ: "text", model: "'x'"},
		{name: "MySQL 8 json expression default", def: val(`_utf8mb4\'{}\'`), extra: "DEFAULT_GENERATED", typ: "json", model: "'{}'"},
		{name: "MariaDB date", def: val("'2020-01-01'"), typ: "date", mariaDB: true, model: "'2020-01-01'"},
		{name: "MySQL datetime", def: val("2020-01-01 00:00:00"), typ: "datetime", model: "'2020-01-01'"},
	}
	my := mysql{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, err := my.parseType(tt.typ)
			require.NoError(t, err)
			got := my.normalizeDefault(myCatalogDefault(tt.def, tt.extra, typ, tt.mariaDB), typ)
			assert.Equal(t, my.normalizeDefault(tt.model, typ), got)
		})
	}
}

func TestMySQLWidens(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{from: "varchar(40)", to: "varchar(60)", want: true},
		{from: "varchar(60)", to: "varchar(40)", want: false},
		{from: "char(3)", to: "varchar(3)", want: true},
		{from: "varchar(255)", to: "text", want: true},
		{from: "varchar(255)", to: "tinytext", want: false},
		{from: "varchar(60)", to: "tinytext", want: true},
		{from: "text", to: "mediumtext", want: true},
		{from: "longtext", to: "text", want: false},
		{from: "text", to: "varchar(255)", want: false},
		{from: "varbinary(16)", to: "blob", want: true},
		{from: "blob", to: "longblob", want: true},
		{from: "int", to: "bigint", want: true},
		{from: "tinyint(1)", to: "smallint", want: true},
		{from: "tinyint", to: "tinyint(1)", want: true},
		{from: "bigint", to: "int", want: false},
		{from: "int unsigned", to: "bigint", want: true},
		{from: "int unsigned", to: "int", want: false},
		{from: "int", to: "int unsigned", want: false},
		{from: "int", to: "bigint unsigned", want: false},
		{from: "int unsigned", to: "bigint unsigned", want: true},
		{from: "int", to: "decimal(10,0)", want: true},
		{from: "int", to: "decimal(12,4)", want: false},
		{from: "mediumint", to: "decimal(7,0)", want: true},
		{from: "mediumint unsigned", to: "decimal(7,0)", want: false},
		{from: "bigint unsigned", to: "decimal(20,0)", want: true},
		{from: "int", to: "double", want: true},
		{from: "bigint", to: "double", want: false},
		{from: "smallint", to: "float", want: true},
		{from: "int", to: "float", want: false},
		{from: "float", to: "double", want: true},
		{from: "double", to: "float", want: false},
		{from: "decimal(10,2)", to: "decimal(12,2)", want: true},
		{from: "decimal(10,2)", to: "decimal(10,4)", want: false},
		{from: "datetime", to: "datetime(6)", want: true},
		{from: "datetime(6)", to: "datetime", want: false},
		{from: "datetime", to: "timestamp", want: false},
		{from: "enum('a','b')", to: "enum('a','b','c')", want: true},
		{from: "enum('a','b')", to: "enum('a')", want: false},
		{from: "json", to: "longtext", want: false},
		{from: "binary(4)", to: "binary(8)", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.from+"->"+tt.to, func(t *testing.T) {
			from, err := mysql{}.parseType(tt.from)
			require.NoError(t, err)
			to, err := mysql{}.parseType(tt.to)
			require.NoError(t, err)
			assert.Equal(t, tt.want, mysql{}.widens(from, to))
		})
	}
}

func TestMySQLJSONCheckColumn(t *testing.T) {
	for give, want := range map[string]string{
		"json_valid(`data`)":      "data",
		"JSON_VALID(`a b`)":       "a b",
		"(json_valid(`payload`))": "payload",
		"json_valid(data)":        "data",
	} {
		got, ok := myJSONCheckColumn(give)
		assert.True(t, ok, give)
		assert.Equal(t, want, got, give)
	}
	_, ok := myJSONCheckColumn("`n` > 0")
	assert.False(t, ok)
}

// All changes to one column become one MODIFY COLUMN; a withheld type change
// leaves the column's type as it is in that clause.
func TestMySQLAlterTableOneModifyPerColumn(t *testing.T) {
	my := mysql{}
	typ := func(s string) ColumnType {
		ct, err := my.parseType(s)
		require.NoError(t, err)
		return ct
	}
	live := &Table{Name: "items", Columns: []*Column{
		{Name: "name", Type: typ("varchar(60)"), Nullable: true, mysql: &myAttrs{collation: "utf8mb4_bin", comment: "the name"}},
		{Name: "qty", Type: typ("int"), Nullable: true},
	}}
	wantName := &Column{Name: "name", Type: typ("varchar(40)"), Default: "'x'", rawDefault: "'x'"}
	wantQty := &Column{Name: "qty", Type: typ("bigint"), Nullable: true}
	want := &Table{Name: "items", Columns: []*Column{wantName, wantQty}}
	changes := []*Change{
		{Kind: ChangeType, Column: "name", col: wantName, old: live.Columns[0], Withheld: true},
		{Kind: SetNotNull, Column: "name", col: wantName, old: live.Columns[0]},
		{Kind: SetDefault, Column: "name", col: wantName, old: live.Columns[0]},
		{Kind: WidenType, Column: "qty", col: wantQty, old: live.Columns[1]},
		{Kind: AddIndex, Name: "items_qty_idx", index: &Index{Name: "items_qty_idx", Columns: []string{"qty"}}},
	}
	setTargets(changes)
	stmts := sqlsOf(my.alterTable(want, live, changes))
	require.Len(t, stmts, 1)
	assert.Equal(t, "ALTER TABLE `items` MODIFY COLUMN `name` varchar(60) COLLATE utf8mb4_bin NOT NULL DEFAULT 'x' COMMENT 'the name', "+
		"MODIFY COLUMN `qty` bigint NULL, ADD INDEX `items_qty_idx` (`qty`), ALGORITHM=COPY", stmts[0], "a type change copies the table")
	assert.Equal(t, "MODIFY COLUMN `name` varchar(40) COLLATE utf8mb4_bin NOT NULL DEFAULT 'x' COMMENT 'the name'", changes[0].SQL,
		"a withheld change shows what it would run")
	assert.Equal(t, changes[1].SQL, changes[2].SQL)
}

// sqlsOf is statements' SQL.
func sqlsOf(ss []statement) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.sql)
	}
	return out
}

// setTargets gives column changes the target the planner gives them: the
// live column with the applied changes made.
func setTargets(changes []*Change) {
	targets := map[string]*Column{}
	for _, c := range changes {
		if !isColumnChange(c.Kind) {
			continue
		}
		t := targets[c.Column]
		if t == nil {
			cp := *c.old
			t = &cp
			targets[c.Column] = t
		}
		if !c.Withheld {
			applyAttr(t, c.Kind, c.col)
		}
		c.target = t
	}
}

// Replacing a foreign key takes two statements: MySQL and MariaDB refuse to
// drop and add a foreign key in one ALTER TABLE.
func TestMySQLAlterTableDropsForeignKeysFirstWhenAddingSome(t *testing.T) {
	my := mysql{}
	old := &ForeignKey{Name: "pets_owner_id_fkey", Columns: []string{"owner_id"}, RefTable: "owners", RefColumns: []string{"id"}, OnDelete: "CASCADE", OnUpdate: "NO ACTION"}
	repl := *old
	repl.OnDelete = "SET NULL"
	live := &Table{Name: "pets", ForeignKeys: []*ForeignKey{old},
		Indexes: []*Index{{Name: "pets_owner_id_fkey", Columns: []string{"owner_id"}, implicit: true}}}
	want := &Table{Name: "pets", ForeignKeys: []*ForeignKey{&repl}}
	stmts := sqlsOf(my.alterTable(want, live, []*Change{
		{Kind: DropForeignKey, Name: old.Name, fk: old},
		{Kind: AddForeignKey, Name: repl.Name, fk: &repl},
	}))
	assert.Equal(t, []string{
		"ALTER TABLE `pets` DROP FOREIGN KEY `pets_owner_id_fkey`, ALGORITHM=INPLACE, LOCK=NONE",
		"ALTER TABLE `pets` ADD CONSTRAINT `pets_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`) ON DELETE SET NULL ON UPDATE NO ACTION, ALGORITHM=INPLACE, LOCK=NONE",
	}, stmts, "the index the foreign key uses stays for the new one")

	// Dropped for good, the foreign key takes the index MySQL made for it along.
	stmts = sqlsOf(my.alterTable(&Table{Name: "pets"}, live, []*Change{{Kind: DropForeignKey, Name: old.Name, fk: old}}))
	assert.Equal(t, []string{"ALTER TABLE `pets` DROP FOREIGN KEY `pets_owner_id_fkey`, DROP INDEX `pets_owner_id_fkey`, ALGORITHM=INPLACE, LOCK=NONE"}, stmts)
}

func TestMySQLDropTablesOrder(t *testing.T) {
	my := mysql{}
	fk := func(name, ref string) *ForeignKey {
		return &ForeignKey{Name: name, Columns: []string{"x"}, RefTable: ref, RefColumns: []string{"id"}}
	}
	tests := []struct {
		name string
		give []*Table
		want []string
	}{
		{
			name: "children first",
			give: []*Table{{Name: "owners"}, {Name: "pets", ForeignKeys: []*ForeignKey{fk("pets_fk", "owners")}}},
			want: []string{"DROP TABLE `pets`, `owners`"},
		},
		{
			name: "self reference",
			give: []*Table{{Name: "categories", ForeignKeys: []*ForeignKey{fk("categories_fk", "categories")}}},
			want: []string{"DROP TABLE `categories`"},
		},
		{
			name: "cycle",
			give: []*Table{
				{Name: "a", ForeignKeys: []*ForeignKey{fk("a_fk", "b")}},
				{Name: "b", ForeignKeys: []*ForeignKey{fk("b_fk", "a")}},
			},
			want: []string{"ALTER TABLE `a` DROP FOREIGN KEY `a_fk`", "ALTER TABLE `b` DROP FOREIGN KEY `b_fk`", "DROP TABLE `a`, `b`"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, my.dropTables(tt.give))
		})
	}
}

func TestMySQLCheckIdent(t *testing.T) {
	my := mysql{}
	assert.NoError(t, my.checkIdent("order"))
	assert.NoError(t, my.checkIdent(strings.Repeat("é", 64)), "the limit counts characters")
	assert.ErrorContains(t, my.checkIdent(strings.Repeat("a", 65)), "at most 64")
	assert.ErrorContains(t, my.checkIdent("name "), "ends with a space")
	assert.Error(t, my.checkIdent(""))
}

func TestMySQLDefaultClause(t *testing.T) {
	tests := []struct{ typ, give, want string }{
		{typ: "varchar(20)", give: "'x'", want: "'x'"},
		{typ: "bigint", give: "-1", want: "-1"},
		{typ: "tinyint(1)", give: "true", want: "true"},
		{typ: "bit(1)", give: "b'1'", want: "b'1'"},
		{typ: "datetime", give: "CURRENT_TIMESTAMP", want: "CURRENT_TIMESTAMP"},
		{typ: "datetime(6)", give: "now(6) ON UPDATE now(6)", want: "now(6) ON UPDATE now(6)"},
		{typ: "varchar(36)", give: "uuid()", want: "(uuid())"},
		{typ: "varchar(36)", give: "(uuid())", want: "(uuid())"},
		{typ: "int", give: "1 + 2", want: "(1 + 2)"},
		{typ: "text", give: "'x'", want: "('x')"},
		{typ: "json", give: "'{}'", want: "('{}')"},
		{typ: "varchar(20)", give: "NULL", want: "NULL"},
	}
	for _, tt := range tests {
		typ, err := mysql{}.parseType(tt.typ)
		require.NoError(t, err)
		assert.Equal(t, tt.want, mysql{}.defaultClause(typ, tt.give), tt.give)
	}
}

func TestMySQLForeignKeyTypesMatch(t *testing.T) {
	tests := []struct {
		child, parent string
		want          bool
	}{
		{child: "bigint", parent: "bigint", want: true},
		{child: "int", parent: "bigint", want: false},
		{child: "bigint unsigned", parent: "bigint", want: false},
		{child: "tinyint(1)", parent: "tinyint", want: true},
		{child: "varchar(20)", parent: "varchar(40)", want: true},
		{child: "char(3)", parent: "varchar(3)", want: true},
		{child: "decimal(10,2)", parent: "decimal(10,2)", want: true},
		{child: "decimal(10,2)", parent: "decimal(12,2)", want: false},
		{child: "datetime", parent: "datetime", want: true},
	}
	for _, tt := range tests {
		child, err := mysql{}.parseType(tt.child)
		require.NoError(t, err)
		parent, err := mysql{}.parseType(tt.parent)
		require.NoError(t, err)
		assert.Equal(t, tt.want, mysql{}.fkTypesMatch(child, parent), tt.child+" -> "+tt.parent)
	}
}

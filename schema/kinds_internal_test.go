package schema

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kindsDeclared lists the Kind constants plan.go declares, read from the
// source, so that a new Kind cannot be added without this test knowing.
func kindsDeclared(t *testing.T) []Kind {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "plan.go", nil, 0)
	require.NoError(t, err)
	var kinds []Kind
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Kind" {
				for _, n := range vs.Names {
					kinds = append(kinds, Kind(n.Name))
				}
			}
		}
	}
	require.NotEmpty(t, kinds)
	return kinds
}

// renderKind writes the SQL a change of kind k becomes on dialect d, the way
// the planner hands it to the dialect, for a small table.
func renderKind(d dialect, k Kind) (sql string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	typ := func(s string) ColumnType {
		ct, err := d.parseType(s)
		if err != nil {
			panic(err)
		}
		return ct
	}
	id := &Column{Name: "id", Type: typ("bigint"), PrimaryKey: true}
	liveName := &Column{Name: "name", Type: typ("varchar(40)"), Nullable: true, Default: "'x'", rawDefault: "'x'"}
	live := &Table{Name: "items", Columns: []*Column{id, liveName}, PrimaryKey: &PrimaryKey{Name: "items_pkey", Columns: []string{"id"}},
		createSQL: `CREATE TABLE "items" ("id" bigint NOT NULL, "name" varchar(40) DEFAULT 'x', PRIMARY KEY ("id"))`}
	wantName := &Column{Name: "name", Type: typ("varchar(60)"), Default: "'y'", rawDefault: "'y'"}
	want := &Table{Name: "items", Columns: []*Column{id, wantName}, PrimaryKey: live.PrimaryKey}
	index := &Index{Name: "items_name_key", Columns: []string{"name"}, Unique: true, Constraint: true}
	plain := &Index{Name: "items_name_idx", Columns: []string{"name"}}
	fk := &ForeignKey{Name: "items_owner_fkey", Columns: []string{"id"}, RefTable: "owners", RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}
	c := &Change{Kind: k, Class: Safe, Table: "items", col: wantName, old: liveName}
	target := *liveName
	applyAttr(&target, k, wantName)
	c.target = &target
	switch k {
	case CreateSchema:
		sc, ok := d.(schemaCreator)
		if !ok {
			return "", errUnsupported
		}
		return sc.createSchema("audit"), nil
	case CreateTable:
		return strings.Join(d.createTable(want), "; "), nil
	case DropTable:
		return strings.Join(d.dropTables([]*Table{live}), "; "), nil
	case RenameTable:
		return d.renameTable(want, "tasks"), nil
	case RenameColumn:
		return d.renameColumn(want, "title", "name"), nil
	case AddColumn:
		c.Column, c.col, c.old, c.target = "note", &Column{Name: "note", Type: typ("varchar(10)"), Nullable: true}, nil, nil
		c.target = c.col
	case DropColumn:
		c.Column = "name"
	case AddAutoIncrement, DropAutoIncrement:
		c.Column = "id"
		auto := *id
		auto.AutoIncrement = k == AddAutoIncrement
		c.col, c.old = &auto, id
		if k == DropAutoIncrement {
			c.old = &Column{Name: "id", Type: id.Type, PrimaryKey: true, AutoIncrement: true}
		}
		tgt := *c.old
		applyAttr(&tgt, k, c.col)
		c.target = &tgt
	case AddPrimaryKey, DropPrimaryKey:
		c.Name, c.pk = "items_pkey", live.PrimaryKey
	case AddUnique, DropUnique:
		c.Name, c.index = index.Name, index
		if k == DropUnique {
			live.Indexes = append(live.Indexes, index)
		}
	case AddIndex:
		if d.features().has(alterIndexes) {
			c.Name, c.index = plain.Name, plain
			break
		}
		return d.createIndex(want, plain), nil
	case DropIndex:
		live.Indexes = append(live.Indexes, plain)
		if d.features().has(alterIndexes) {
			c.Name, c.index = plain.Name, plain
			break
		}
		return d.dropIndex(want, plain), nil
	case AddForeignKey, DropForeignKey:
		c.Name, c.fk = fk.Name, fk
		if k == DropForeignKey {
			live.ForeignKeys = append(live.ForeignKeys, fk)
		}
	default:
		c.Column = "name"
	}
	return joinSQL(d.alterTable(want, live, []*Change{c})), nil
}

var errUnsupported = fmt.Errorf("unsupported")

// Every Kind renders on every dialect, or the dialect says it does not do
// it (and the planner never asks it to): a new Kind cannot be half-added.
func TestEveryKindRendersOnEveryDialect(t *testing.T) {
	// What a dialect does not do, and why the planner never asks it.
	unsupported := map[string]map[Kind]string{
		"SQLite": {CreateSchema: "a schema is an attached database; inspection reports one that is missing"},
	}
	for _, d := range []dialect{postgres{}, mysql{}, sqlite{}} {
		for _, k := range kindsDeclared(t) {
			t.Run(d.name()+"/"+string(k), func(t *testing.T) {
				sql, err := renderKind(d, k)
				if why, ok := unsupported[d.name()][k]; ok {
					assert.ErrorIs(t, err, errUnsupported, why)
					return
				}
				require.NoError(t, err)
				assert.NotEmpty(t, strings.TrimSpace(sql))
				assert.NotContains(t, sql, "%!", "a formatting mistake")
			})
		}
	}
}

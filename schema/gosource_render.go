package schema

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Rendering model descriptions as Go source: the file, one struct per
// model, and its comments.

// render writes the source of the models.
func (g *gen) render(pkg string, models []*modelSpec) []byte {
	var (
		b       bytes.Buffer
		imports = map[string]bool{"github.com/uptrace/bun": true}
		tables  []string
		views   []string
	)
	for _, m := range models {
		for _, f := range m.fields {
			if f.typ.pkg != "" && !f.omit {
				imports[f.typ.pkg] = true
			}
		}
		if len(m.indexes) > 0 {
			imports["github.com/slipwaygo/slipway/schema"] = true
		}
	}
	what := fmt.Sprintf("%d %s", len(g.disc.Tables), plural(len(g.disc.Tables), "table", "tables"))
	if len(g.disc.Views) > 0 {
		what += fmt.Sprintf(" and %d %s", len(g.disc.Views), plural(len(g.disc.Views), "view", "views"))
	}
	fmt.Fprintf(&b, "// Models of %s of a %s database, written by slipway discover.\n", what, g.disc.Dialect)
	b.WriteString("// A schema.Migrator of Models finds that database actual. Edit freely.\n\n")
	fmt.Fprintf(&b, "package %s\n\nimport (\n", pkg)
	var std, other []string
	for p := range imports {
		if strings.Contains(p, ".") {
			other = append(other, p)
		} else {
			std = append(std, p)
		}
	}
	slices.Sort(std)
	slices.Sort(other)
	for _, p := range std {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString("\n")
	for _, p := range other {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n")
	for _, m := range models {
		writeModel(&b, m)
		ref := "(*" + m.typeName + ")(nil)"
		if m.view {
			views = append(views, ref)
		} else {
			tables = append(tables, ref)
		}
	}
	b.WriteString("\n// Models lists the models of the tables, for schema.NewMigrator.\nvar Models = []any{\n")
	for _, r := range tables {
		fmt.Fprintf(&b, "\t%s,\n", r)
	}
	b.WriteString("}\n")
	if len(views) > 0 {
		b.WriteString("\n// Views lists the models of the views, to read with bun; a migrator must not get them.\nvar Views = []any{\n")
		for _, r := range views {
			fmt.Fprintf(&b, "\t%s,\n", r)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

func writeModel(b *bytes.Buffer, m *modelSpec) {
	b.WriteString("\n")
	writeComment(b, "", m.doc)
	fmt.Fprintf(b, "type %s struct {\n\tbun.BaseModel %s\n\n", m.typeName, sourceTag("bun:"+strconv.Quote("table:"+tagValue(m.table))))
	relations := false
	for _, f := range m.fields {
		if f.ref != nil && !relations {
			relations = true
			b.WriteString("\n")
		}
		if f.omit {
			writeComment(b, "\t", fmt.Sprintf("%s (column %q) is left out: %s.", f.name, f.column, f.comment))
			continue
		}
		if f.comment != "" {
			writeComment(b, "\t", f.comment)
		}
		fmt.Fprintf(b, "\t%s %s %s\n", f.name, f.fieldType(), sourceTag(f.structTag()))
	}
	b.WriteString("}\n")
	if len(m.indexes) == 0 {
		return
	}
	fmt.Fprintf(b, "\n// Indexes declares the indexes of table %q that struct tags cannot.\nfunc (*%s) Indexes() []schema.Index {\n\treturn []schema.Index{\n", m.table, m.typeName)
	for _, ix := range m.indexes {
		parts := []string{"Name: " + strconv.Quote(ix.Name)}
		if len(ix.Columns) > 0 {
			q := make([]string, len(ix.Columns))
			for i, c := range ix.Columns {
				q[i] = strconv.Quote(c)
			}
			parts = append(parts, "Columns: []string{"+strings.Join(q, ", ")+"}")
		}
		if ix.Expr != "" {
			parts = append(parts, "Expr: "+strconv.Quote(ix.Expr))
		}
		if ix.Where != "" {
			parts = append(parts, "Where: "+strconv.Quote(ix.Where))
		}
		if ix.Unique {
			parts = append(parts, "Unique: true")
		}
		fmt.Fprintf(b, "\t\t{%s},\n", strings.Join(parts, ", "))
	}
	b.WriteString("\t}\n}\n")
}

// writeComment writes text as // comment lines of at most about 80
// columns.
func writeComment(b *bytes.Buffer, indent, text string) {
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(indent)*4+len(line)+len(w) > 76 {
			fmt.Fprintf(b, "%s// %s\n", indent, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		fmt.Fprintf(b, "%s// %s\n", indent, line)
	}
}

package schema

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// Reading MySQL's indexes and foreign keys from the catalog rows, and
// marking the indexes InnoDB made for foreign keys.

func (my mysql) readIndexes(ctx context.Context, db bun.IDB, groups []myGroup, mariaDB bool, snap *snapshot) error {
	query, args := myUnion(groups, func(g myGroup) (string, []any) { return fmt.Sprintf(myIndexesBranch, g.schema), g.inTables() })
	branches := []string{myCheckTablesBranch, myCheckClausesBranch}
	if mariaDB {
		branches = []string{myChecksBranch}
	}
	for _, branch := range branches {
		checks, checkArgs := myUnion(groups, func(g myGroup) (string, []any) {
			if branch == myCheckClausesBranch {
				return fmt.Sprintf(branch, g.schema), slices.Clone(g.args)
			}
			return fmt.Sprintf(branch, g.schema), g.inTables()
		})
		query += "\nUNION ALL\n" + checks
		args = append(args, checkArgs...)
	}
	rows, err := db.QueryContext(ctx, query+"\nORDER BY 1, 2, 3, 4, 9", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type indexKey struct {
		table *Table
		name  string
	}
	var (
		last     indexKey
		lastIx   *Index
		parts    = map[*Index][]string{} // key parts as SQL
		byName   = map[*Index]bool{}     // compared by name only
		kind     = map[*Index]string{}   // FULLTEXT, SPATIAL
		indexSet []*Index
		clauses  = map[tableKey]string{} // MySQL 8: (database, check name) -> condition
		checks   []*Check                // MySQL 8: found in TABLE_CONSTRAINTS
		checkIn  []tableKey
	)
	for rows.Next() {
		var (
			row, nsp, rel, name       string
			col, indexType, collation sql.NullString
			subPart                   sql.NullInt64
			nonUnique, seq            int
		)
		if err := rows.Scan(&row, &nsp, &rel, &name, &nonUnique, &col, &subPart, &indexType, &seq, &collation); err != nil {
			return err
		}
		if row == "c" {
			clauses[tableKey{nsp, name}] = col.String
			continue
		}
		t := snap.tables[tableKey{nsp, rel}]
		if t == nil {
			continue
		}
		if row == "K" {
			// MariaDB's JSON is longtext with a json_valid check. Other
			// checks named after a column are that column's own, which a
			// MODIFY COLUMN on MariaDB drops unless it repeats them.
			if jsonCol, ok := myJSONCheckColumn(col.String); ok {
				if c := t.Column(jsonCol); c != nil && c.Type.Name == "longtext" {
					c.Type = ColumnType{Name: "json"}
					continue
				}
			}
			if c := t.Column(name); c != nil {
				if c.mysql == nil {
					c.mysql = &myAttrs{}
				}
				c.mysql.check = col.String
				continue
			}
			t.Checks = append(t.Checks, &Check{Name: name, Expr: col.String})
			continue
		}
		if row == "k" {
			ch := &Check{Name: name}
			t.Checks = append(t.Checks, ch)
			checks, checkIn = append(checks, ch), append(checkIn, tableKey{nsp, name})
			continue
		}
		if name == "PRIMARY" {
			if t.PrimaryKey == nil {
				t.PrimaryKey = &PrimaryKey{Name: name}
			}
			t.PrimaryKey.Columns = append(t.PrimaryKey.Columns, col.String)
			if c := t.Column(col.String); c != nil {
				c.PrimaryKey = true
			}
			continue
		}
		if (indexKey{t, name}) != last {
			// MySQL has no unique index that is not a unique constraint.
			last, lastIx = indexKey{t, name}, &Index{Name: name, Unique: nonUnique == 0, Constraint: nonUnique == 0}
			t.Indexes = append(t.Indexes, lastIx)
			indexSet = append(indexSet, lastIx)
			if indexType.String != "BTREE" && indexType.String != "HASH" {
				byName[lastIx], kind[lastIx] = true, indexType.String+" "
			}
		}
		// Prefix, functional, full-text and spatial indexes are not what a
		// model declares: they are compared by name only.
		part := my.quote(col.String)
		switch {
		case !col.Valid:
			part = "(expression)"
			byName[lastIx] = true
		case subPart.Valid:
			part = fmt.Sprintf("%s(%d)", part, subPart.Int64)
			byName[lastIx] = true
		}
		lastIx.Columns = append(lastIx.Columns, col.String)
		parts[lastIx] = append(parts[lastIx], part)
		if collation.String == "D" {
			lastIx.Desc = append(descPadded(lastIx.Desc, len(lastIx.Columns)-1), true)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, ch := range checks {
		ch.Expr = clauses[checkIn[i]]
	}
	for _, ix := range indexSet {
		if byName[ix] {
			ix.Expr = kind[ix] + strings.Join(parts[ix], ", ")
			ix.Columns = nil
		}
	}
	return nil
}

func (my mysql) readForeignKeys(ctx context.Context, db bun.IDB, groups []myGroup, snap *snapshot) error {
	// Referencing the requested tables: a condition on columns MariaDB does
	// not narrow by, so OR is fine here.
	var (
		refs    []string
		refArgs []any
		names   []string
	)
	for _, g := range groups {
		refs = append(refs, fmt.Sprintf("(REFERENCED_TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME IN (?))", g.schema))
		refArgs = append(refArgs, g.inTables()...)
		names = append(names, g.names...)
	}
	refsSQL := "(" + strings.Join(refs, " OR ") + ")"
	keys, args := myUnion(groups, func(g myGroup) (string, []any) {
		return fmt.Sprintf(myKeyColumnsBranch, g.schema, refsSQL), append(g.inTables(), refArgs...)
	})
	rulesSQL, ruleArgs := myUnion(groups, func(g myGroup) (string, []any) {
		return fmt.Sprintf(myRulesBranch, g.schema), append(slices.Clone(g.args), bun.List(names), bun.List(names))
	})
	rows, err := db.QueryContext(ctx, keys+"\nUNION ALL\n"+rulesSQL+"\nORDER BY 1, 2, 3, 4, 9", append(args, ruleArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type fkKey struct {
		table tableKey
		name  string
	}
	var (
		byKey = map[fkKey]*ForeignKey{}
		order []fkKey
		rules = map[fkKey][2]string{}
	)
	for rows.Next() {
		var (
			row, nsp, rel, name string
			s1, s2, s3, s4      sql.NullString
			pos                 int
		)
		if err := rows.Scan(&row, &nsp, &rel, &name, &s1, &s2, &s3, &s4, &pos); err != nil {
			return err
		}
		key := fkKey{tableKey{nsp, rel}, name}
		if row == "R" {
			rules[key] = [2]string{s1.String, s2.String}
			continue
		}
		fk := byKey[key]
		if fk == nil {
			fk = &ForeignKey{Name: name, RefSchema: s2.String, RefTable: s3.String}
			byKey[key] = fk
			order = append(order, key)
		}
		fk.Columns = append(fk.Columns, s1.String)
		fk.RefColumns = append(fk.RefColumns, s4.String)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, key := range order {
		fk := byKey[key]
		rule, ok := rules[key]
		if !ok {
			return fmt.Errorf("table %q: foreign key %q has no row in REFERENTIAL_CONSTRAINTS", key.table.name, key.name)
		}
		fk.OnUpdate, fk.OnDelete = normalizeAction(rule[0]), normalizeAction(rule[1])
		ref := tableKey{fk.RefSchema, fk.RefTable}
		fk.RefSchema = snap.display(fk.RefSchema)
		if t := snap.tables[key.table]; t != nil {
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
		if snap.tables[ref] != nil {
			snap.referencedBy[ref] = append(snap.referencedBy[ref], inboundFK{from: key.table, fk: fk})
		}
	}
	return nil
}

// myMarkImplicitIndexes marks the index each foreign key needs: MySQL
// requires an index whose leading columns are the foreign key's, creates one
// (named after the constraint) when there is none, and refuses to drop it
// while the foreign key exists. Such an index is not an extra.
func myMarkImplicitIndexes(t *Table) {
	leads := func(cols, fkCols []string) bool {
		return len(cols) >= len(fkCols) && slices.Equal(cols[:len(fkCols)], fkCols)
	}
	for _, fk := range t.ForeignKeys {
		if t.PrimaryKey != nil && leads(t.PrimaryKey.Columns, fk.Columns) {
			continue
		}
		var candidates []*Index
		for _, ix := range t.Indexes {
			if ix.Expr == "" && leads(ix.Columns, fk.Columns) {
				candidates = append(candidates, ix)
			}
		}
		if slices.ContainsFunc(candidates, func(ix *Index) bool { return ix.Unique || ix.implicit }) {
			continue
		}
		switch {
		case len(candidates) == 1:
			candidates[0].implicit = true
		case len(candidates) > 1:
			for _, ix := range candidates {
				if ix.Name == fk.Name || ix.Name == fk.Columns[0] {
					ix.implicit = true
					break
				}
			}
		}
	}
}

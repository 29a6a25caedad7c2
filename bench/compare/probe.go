package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/uptrace/bun"

	slipway "github.com/slipwaygo/slipway/schema"
)

// The probe table, first as created, then with Title narrowed from
// varchar(60) to varchar(40) and Note removed.

// BunProbeV1 is the probe table as first created (Slipway, bun).
type BunProbeV1 struct {
	bun.BaseModel `bun:"table:probe"`

	ID    int64  `bun:",pk,autoincrement"`
	Title string `bun:"type:varchar(60),notnull"`
	Note  string `bun:"type:varchar(60)"`
}

// BunProbeV2 narrows Title and removes Note (Slipway, bun).
type BunProbeV2 struct {
	bun.BaseModel `bun:"table:probe"`

	ID    int64  `bun:",pk,autoincrement"`
	Title string `bun:"type:varchar(40),notnull"`
}

// GormProbeV1 is the probe table as first created (GORM).
type GormProbeV1 struct {
	ID    int64  `gorm:"primaryKey;autoIncrement"`
	Title string `gorm:"size:60;not null"`
	Note  string `gorm:"size:60"`
}

// TableName is the probe table.
func (GormProbeV1) TableName() string { return "probe" }

// GormProbeV2 narrows Title and removes Note (GORM).
type GormProbeV2 struct {
	ID    int64  `gorm:"primaryKey;autoIncrement"`
	Title string `gorm:"size:40;not null"`
}

// TableName is the probe table.
func (GormProbeV2) TableName() string { return "probe" }

type probeResult struct {
	tool     string
	titleLen int // length of the stored title value

	err       error
	note      string // what the tool reported (Slipway's withheld changes)
	titleType string // after the run
	noteCol   bool   // the note column still exists
	noteValue string // the note value after the run, if the column exists
	rows      int
	titleNow  int // length of the stored title after the run
}

const probeNote = "keep me"

// runProbe creates the probe table with tool k, inserts a row whose title is
// 30 characters (or 50 when long: longer than the new length), switches to
// the narrowed model and runs k again, then reads back what happened.
func runProbe(ctx context.Context, adm *admin, k toolKind, long bool) (probeResult, error) {
	p := probeResult{tool: k.name, titleLen: 30}
	if long {
		p.titleLen = 50
	}
	v1, v2 := []any{(*BunProbeV1)(nil)}, []any{(*BunProbeV2)(nil)}
	if k.gorm {
		v1, v2 = []any{&GormProbeV1{}}, []any{&GormProbeV2{}}
	}
	be := adm.be
	name, dsn, drop, err := adm.newDatabase(ctx, "cmp_probe_"+k.key)
	if err != nil {
		return p, err
	}
	defer drop()
	sqldb, err := openPool(ctx, be, dsn, &counter{tag: k.key + " probe"})
	if err != nil {
		return p, err
	}
	t, err := k.open(ctx, sqldb, be)
	if err != nil {
		return p, errJoin(err, sqldb.Close())
	}
	defer t.close()

	if _, err := t.run(ctx, v1); err != nil {
		return p, fmt.Errorf("creating the probe table: %w", err)
	}
	insert := `INSERT INTO probe (title, note) VALUES (?, ?)`
	if be.is(postgresDB) {
		insert = `INSERT INTO probe (title, note) VALUES ($1, $2)`
	}
	if err := query(ctx, be, dsn, func(db *sql.DB) error {
		_, err := db.ExecContext(ctx, insert, strings.Repeat("x", p.titleLen), probeNote)
		return err
	}); err != nil {
		return p, err
	}

	// bun's AutoMigrator names each migration it generates after the
	// current second; a second run within the same second as the first gets
	// the name of the applied migration and silently applies nothing. An
	// application restart is never that quick, so wait for the next second.
	time.Sleep(1100 * time.Millisecond)
	p.note, p.err = t.run(ctx, v2)

	return p, query(ctx, be, dsn, func(db *sql.DB) error { return p.readBack(ctx, be, name, db) })
}

// readBack reads the probe table's columns from the catalog
// (information_schema.columns; pragma_table_info on SQLite) and its row from
// the table.
func (p *probeResult) readBack(ctx context.Context, be *backend, database string, db *sql.DB) error {
	var (
		rows *sql.Rows
		err  error
	)
	switch be {
	case mariaDB:
		// COLUMN_TYPE is the type as declared: varchar(40).
		rows, err = db.QueryContext(ctx, `
SELECT COLUMN_NAME, COLUMN_TYPE, 0
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'probe'`, database)
	case sqliteDB:
		// The declared type, as written by the tool: SQLite keeps it as
		// text and enforces no length.
		rows, err = db.QueryContext(ctx, `SELECT name, lower(type), 0 FROM pragma_table_info('probe')`)
	default:
		rows, err = db.QueryContext(ctx, `
SELECT column_name, data_type, coalesce(character_maximum_length, 0)
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = 'probe'`)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var col, typ string
		var length int
		if err := rows.Scan(&col, &typ, &length); err != nil {
			return err
		}
		switch col {
		case "title":
			p.titleType = typ
			if length > 0 {
				p.titleType = fmt.Sprintf("%s(%d)", strings.Replace(typ, "character varying", "varchar", 1), length)
			}
		case "note":
			p.noteCol = true
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	length := "length" // characters on PostgreSQL and SQLite
	if be.is(mariaDB) {
		length = "CHAR_LENGTH" // LENGTH counts bytes
	}
	q := `SELECT count(*), coalesce(max(` + length + `(title)), 0), '' FROM probe`
	if p.noteCol {
		q = `SELECT count(*), coalesce(max(` + length + `(title)), 0), coalesce(max(note), '') FROM probe`
	}
	return db.QueryRowContext(ctx, q).Scan(&p.rows, &p.titleNow, &p.noteValue)
}

func printProbes(w io.Writer, be *backend, ps []probeResult) {
	fmt.Fprintf(w, "### Probe on %s: narrowing varchar(60) to varchar(40) and removing a field, on a table with one row\n", be.name)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| tool | stored title | returned | title column after | note column after | row after | verdict |")
	fmt.Fprintln(w, "| --- | ---: | --- | --- | --- | --- | --- |")
	for _, p := range ps {
		returned := "ok"
		if p.err != nil {
			returned = "error: " + oneLine(p.err.Error())
		}
		noteCol := "dropped"
		if p.noteCol {
			noteCol = fmt.Sprintf("kept (%q)", p.noteValue)
		}
		row := fmt.Sprintf("%d row, title %d chars", p.rows, p.titleNow)
		fmt.Fprintf(w, "| %s | %d chars | %s | %s | %s | %s | %s |\n",
			p.tool, p.titleLen, escapePipes(returned), p.titleType, escapePipes(noteCol), row, p.verdict())
	}
	fmt.Fprintln(w)
	for _, p := range ps {
		if p.note != "" {
			fmt.Fprintf(w, "- %s, %d-character title: %s\n", p.tool, p.titleLen, strings.Join(strings.Fields(p.note), " "))
		}
	}
	fmt.Fprintln(w)
}

// verdict says in words what the tool did to the data.
func (p probeResult) verdict() string {
	var refused *slipway.RefusedError
	if errors.As(p.err, &refused) {
		if p.titleType == "varchar(60)" && p.noteCol {
			return "refused before any DDL ran; nothing changed"
		}
		return "refused, yet the table changed"
	}
	narrowed := p.titleType == "varchar(40)"
	var parts []string
	switch {
	case narrowed && p.titleNow < p.titleLen:
		parts = append(parts, "narrowed the column and truncated the value (data loss)")
	case narrowed:
		parts = append(parts, "narrowed the column")
	case p.err != nil:
		parts = append(parts, "left the column (the ALTER failed)")
	default:
		parts = append(parts, "left the column")
	}
	if p.noteCol {
		parts = append(parts, "kept the removed field's column")
	} else {
		parts = append(parts, "dropped the removed field's column (data loss)")
	}
	if p.err != nil {
		parts = append(parts, "returned an error")
	}
	return strings.Join(parts, "; ")
}

func escapePipes(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

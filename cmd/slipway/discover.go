package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/uptrace/bun"

	_ "github.com/slipwaygo/slipway/driver/mysql" // the tests open every dialect
	_ "github.com/slipwaygo/slipway/driver/postgres"
	_ "github.com/slipwaygo/slipway/driver/sqlite"
	"github.com/slipwaygo/slipway/internal/dburl"
	"github.com/slipwaygo/slipway/schema"
)

const discoverUsage = `Usage: slipway discover --url URL [flags]

Prints Go source with one bun model per table and view of the database, and
var Models listing the tables' models: a schema.Migrator of Models finds the
database actual. What a model cannot declare is said on standard error.

Flags:
  --url URL        the database: postgres://, mysql://, sqlite: or file:
                   (default: $DATABASE_URL)
  --schema S       the schema (MySQL: database; SQLite: attached database);
                   default: the connection's current one
  --tables A,B     only these tables and views (and the tables they reference);
                   default: all of the schema
  --package NAME   the package of the source (default "models")
  --out FILE       write to FILE instead of standard output
  --list           list the tables and views of every schema (or of --schema)
  --json           print one table's (or view's) columns, keys, indexes and
                   foreign keys as JSON; name it with --tables
  -h, --help       show this help
`

// discoverFlags are the discover command's flags.
type discoverFlags struct {
	url, schema, tables, pkg, out string
	list, json                    bool
}

func discover(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f discoverFlags
	fs := flag.NewFlagSet("discover", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.url, "url", os.Getenv("DATABASE_URL"), "")
	fs.StringVar(&f.schema, "schema", "", "")
	fs.StringVar(&f.tables, "tables", "", "")
	fs.StringVar(&f.pkg, "package", "models", "")
	fs.StringVar(&f.out, "out", "", "")
	fs.BoolVar(&f.list, "list", false, "")
	fs.BoolVar(&f.json, "json", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, discoverUsage)
			return 0
		}
		return badFlags(stderr, "%v", err)
	}
	var tables []string
	for _, t := range strings.Split(f.tables, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tables = append(tables, t)
		}
	}
	switch {
	case fs.NArg() > 0:
		return badFlags(stderr, "unexpected argument %q", fs.Arg(0))
	case f.url == "":
		return badFlags(stderr, "--url is required (or set DATABASE_URL)")
	case f.list && f.json:
		return badFlags(stderr, "--list and --json exclude each other")
	case f.list && len(tables) > 0:
		return badFlags(stderr, "--list lists every table; leave out --tables")
	case f.json && len(tables) != 1:
		return badFlags(stderr, "--json prints one table: name it with --tables NAME")
	}

	cfg, err := dburl.Parse(f.url)
	if err != nil {
		return badFlags(stderr, "%v", err)
	}
	db, err := dburl.Open(cfg)
	if err != nil {
		return failed(stderr, f.url, err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return failed(stderr, f.url, fmt.Errorf("%s: ping: %w", cfg.Redacted, err))
	}
	if err := dburl.Ready(ctx, db); err != nil {
		return failed(stderr, f.url, fmt.Errorf("%s: %w", cfg.Redacted, err))
	}

	var out []byte
	switch {
	case f.list:
		out, err = listTables(ctx, db, f.schema, stderr)
	case f.json:
		out, err = describeTable(ctx, db, f.schema, tables[0])
	default:
		out, err = modelSource(ctx, db, f.schema, tables, f.pkg, stderr)
	}
	if err != nil {
		return failed(stderr, f.url, err)
	}
	if f.out == "" {
		_, err = stdout.Write(out)
	} else {
		err = os.WriteFile(f.out, out, 0o644)
	}
	if err != nil {
		return failed(stderr, f.url, err)
	}
	return 0
}

func badFlags(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "slipway discover: %s (see --help)\n", fmt.Sprintf(format, args...))
	return 2
}

// failed prints err on one line, without the URL's secrets, and returns 1.
func failed(stderr io.Writer, rawURL string, err error) int {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	for _, s := range dburl.Secrets(rawURL) {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	fmt.Fprintf(stderr, "slipway discover: %s\n", msg)
	return 1
}

// modelSource discovers the tables and writes their models; what the
// models leave out, and the tables added because others reference them,
// are said on stderr.
func modelSource(ctx context.Context, db *bun.DB, schemaName string, tables []string, pkg string, stderr io.Writer) ([]byte, error) {
	disc, err := schema.Discover(ctx, db, schema.DiscoverOptions{Schema: schemaName, Tables: tables})
	if err != nil {
		return nil, err
	}
	if len(disc.Tables)+len(disc.Views) == 0 {
		return nil, fmt.Errorf("no tables or views in %s", schemaWord(schemaName))
	}
	src, err := disc.ModelSource(pkg)
	if err != nil {
		return nil, err
	}
	for _, t := range disc.Referenced {
		fmt.Fprintf(stderr, "slipway discover: table %q added: a table asked for references it\n", t)
	}
	for _, u := range src.Unsupported {
		fmt.Fprintf(stderr, "slipway discover: not declared: %s\n", u)
	}
	return src.Code, nil
}

func schemaWord(name string) string {
	if name == "" {
		return "the current schema"
	}
	return fmt.Sprintf("schema %q", name)
}

// listTables writes the tables and views of every schema, or of one, per
// schema; an empty list is said on stderr.
func listTables(ctx context.Context, db *bun.DB, schemaName string, stderr io.Writer) ([]byte, error) {
	list, err := schema.ListTables(ctx, db, schema.ListOptions{Schema: schemaName, AllSchemas: schemaName == ""})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		what := "any schema"
		if schemaName != "" {
			what = schemaWord(schemaName)
		}
		fmt.Fprintf(stderr, "slipway discover: no tables or views in %s\n", what)
		return nil, nil
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for i, t := range list {
		if i == 0 || list[i-1].Schema != t.Schema {
			if i > 0 {
				fmt.Fprintln(w)
			}
			current := ""
			if t.Current {
				current = " (current)"
			}
			fmt.Fprintf(w, "schema %s%s\n", t.Schema, current)
		}
		kind := "table"
		if t.View {
			kind = "view"
		}
		fmt.Fprintf(w, "  %s\t%s\n", kind, t.Name)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// The JSON of --json: a table as the catalog reports it, with LoopBack's
// discoverModelProperties names for a column's type parts.
type (
	jsonTable struct {
		Schema      string       `json:"schema,omitempty"`
		Name        string       `json:"name"`
		Kind        string       `json:"kind"`
		Columns     []jsonColumn `json:"columns"`
		PrimaryKey  *jsonKey     `json:"primaryKey,omitempty"`
		Indexes     []jsonIndex  `json:"indexes,omitempty"`
		ForeignKeys []jsonFK     `json:"foreignKeys,omitempty"`
	}
	jsonColumn struct {
		Name          string `json:"name"`
		Type          string `json:"type"`
		DataType      string `json:"dataType"`
		DataLength    int    `json:"dataLength,omitempty"`
		DataPrecision int    `json:"dataPrecision,omitempty"`
		DataScale     int    `json:"dataScale,omitempty"`
		Array         bool   `json:"array,omitempty"`
		Nullable      bool   `json:"nullable"`
		Default       string `json:"default,omitempty"`
		PrimaryKey    bool   `json:"primaryKey,omitempty"`
		AutoIncrement bool   `json:"autoIncrement,omitempty"`
	}
	jsonKey struct {
		Name    string   `json:"name,omitempty"`
		Columns []string `json:"columns"`
	}
	jsonIndex struct {
		Name       string   `json:"name"`
		Columns    []string `json:"columns,omitempty"`
		Expr       string   `json:"expr,omitempty"`
		Where      string   `json:"where,omitempty"`
		Unique     bool     `json:"unique,omitempty"`
		Constraint bool     `json:"constraint,omitempty"`
	}
	jsonFK struct {
		Name       string   `json:"name"`
		Columns    []string `json:"columns"`
		RefSchema  string   `json:"refSchema,omitempty"`
		RefTable   string   `json:"refTable"`
		RefColumns []string `json:"refColumns"`
		OnDelete   string   `json:"onDelete"`
		OnUpdate   string   `json:"onUpdate"`
	}
)

// describeTable writes one table or view as JSON.
func describeTable(ctx context.Context, db *bun.DB, schemaName, name string) ([]byte, error) {
	disc, err := schema.Discover(ctx, db, schema.DiscoverOptions{Schema: schemaName, Tables: []string{name}})
	if err != nil {
		return nil, err
	}
	t, kind := disc.Tables, "table"
	if len(disc.Views) > 0 {
		t, kind = disc.Views, "view"
	}
	out := jsonTable{Schema: t[0].Schema, Name: t[0].Name, Kind: kind, Columns: []jsonColumn{}}
	for _, c := range t[0].Columns {
		out.Columns = append(out.Columns, jsonColumn{Name: c.Name, Type: c.Type.String(), DataType: c.Type.Name,
			DataLength: c.Type.Length(), DataPrecision: c.Type.Precision(), DataScale: c.Type.Scale(), Array: c.Type.Array,
			Nullable: c.Nullable, Default: c.Default, PrimaryKey: c.PrimaryKey, AutoIncrement: c.AutoIncrement})
	}
	if pk := t[0].PrimaryKey; pk != nil {
		out.PrimaryKey = &jsonKey{Name: pk.Name, Columns: pk.Columns}
	}
	for _, ix := range t[0].Indexes {
		out.Indexes = append(out.Indexes, jsonIndex{Name: ix.Name, Columns: ix.Columns, Expr: ix.Expr, Where: ix.Where, Unique: ix.Unique, Constraint: ix.Constraint})
	}
	for _, fk := range t[0].ForeignKeys {
		out.ForeignKeys = append(out.ForeignKeys, jsonFK{Name: fk.Name, Columns: fk.Columns, RefSchema: fk.RefSchema, RefTable: fk.RefTable,
			RefColumns: fk.RefColumns, OnDelete: fk.OnDelete, OnUpdate: fk.OnUpdate})
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

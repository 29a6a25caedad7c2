package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// row is one measurement: a tool at a number of models on a database, cold
// or no-op. Its fields are the columns of results.csv.
type row struct {
	DB         string // postgres, mariadb, sqlite
	Version    string // the server's (SQLite's) version
	Tool       string // slipway, gorm, bun, blind
	Models     int
	Run        string // cold, noop
	Status     string // ok, timed out, error, unsupported, skipped
	Runs       int    // runs the times are of
	MedianMS   float64
	MinMS      float64
	MaxMS      float64
	Statements int    // sent by one run (the median of the no-op runs)
	DDL        int    // of which DDL; no-op: DDL that may change the schema (not CREATE ... IF NOT EXISTS)
	Created    string // what the cold run created, read from the catalog
	Note       string
	Date       string // when it was measured (UTC)
}

var csvHeader = []string{"database", "version", "tool", "models", "run", "status", "runs",
	"median_ms", "min_ms", "max_ms", "statements", "ddl", "created", "note", "date"}

func (r *row) setTimes(ds []time.Duration) {
	f := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.MedianMS, r.MinMS, r.MaxMS = f(median(ds)), f(slices.Min(ds)), f(slices.Max(ds))
}

func (r row) key() string { return fmt.Sprintf("%s/%s/%s/%d", r.DB, r.Tool, r.Run, r.Models) }

func (r row) record() []string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	return []string{r.DB, r.Version, r.Tool, strconv.Itoa(r.Models), r.Run, r.Status, strconv.Itoa(r.Runs),
		num(r.MedianMS), num(r.MinMS), num(r.MaxMS), strconv.Itoa(r.Statements), strconv.Itoa(r.DDL),
		r.Created, r.Note, r.Date}
}

// readRows reads results.csv; a missing file is no rows.
func readRows(path string) ([]row, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], csvHeader) {
		return nil, fmt.Errorf("%s: not a results file of this program (want the header %s)", path, strings.Join(csvHeader, ","))
	}
	var rows []row
	for i, rec := range recs[1:] {
		var r row
		var errs []error
		atoi := func(s string) int { v, err := strconv.Atoi(s); errs = append(errs, err); return v }
		atof := func(s string) float64 { v, err := strconv.ParseFloat(s, 64); errs = append(errs, err); return v }
		r.DB, r.Version, r.Tool, r.Models, r.Run, r.Status, r.Runs = rec[0], rec[1], rec[2], atoi(rec[3]), rec[4], rec[5], atoi(rec[6])
		r.MedianMS, r.MinMS, r.MaxMS = atof(rec[7]), atof(rec[8]), atof(rec[9])
		r.Statements, r.DDL, r.Created, r.Note, r.Date = atoi(rec[10]), atoi(rec[11]), rec[12], rec[13], rec[14]
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// merge replaces the rows of old measured again and adds the new ones.
func merge(old, measured []row) []row {
	byKey := map[string]int{}
	out := slices.Clone(old)
	for i, r := range out {
		byKey[r.key()] = i
	}
	for _, r := range measured {
		if i, ok := byKey[r.key()]; ok {
			out[i] = r
			continue
		}
		byKey[r.key()] = len(out)
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b row) int {
		if c := order(dbOrder, a.DB) - order(dbOrder, b.DB); c != 0 {
			return c
		}
		if c := order(runOrder, a.Run) - order(runOrder, b.Run); c != 0 {
			return c
		}
		if c := a.Models - b.Models; c != 0 {
			return c
		}
		return order(toolOrder, a.Tool) - order(toolOrder, b.Tool)
	})
	return out
}

var (
	dbOrder   = []string{"postgres", "mariadb", "sqlite"}
	runOrder  = []string{"noop", "cold"}
	toolOrder = []string{"slipway", "gorm", "bun", "blind"}
)

func order(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}

// writeAll writes results.csv, results.md and the plots from rows. env
// describes the machine of the latest run ("" keeps results.md's).
func writeAll(dir string, rows []row, env string) error {
	if err := writeCSV(filepath.Join(dir, "results.csv"), rows); err != nil {
		return err
	}
	if err := writeMarkdown(filepath.Join(dir, "results.md"), rows, env); err != nil {
		return err
	}
	return plotAll(dir, rows)
}

func writeCSV(path string, rows []row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(csvHeader)
	for _, r := range rows {
		_ = w.Write(r.record())
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}

// names of the databases and tools as printed.
var (
	dbNames   = map[string]string{"postgres": "PostgreSQL", "mariadb": "MariaDB", "sqlite": "SQLite"}
	toolNames = map[string]string{"slipway": "Slipway", "gorm": "GORM AutoMigrate", "bun": "bun AutoMigrator", "blind": "blind loop"}
)

func name(m map[string]string, key string) string {
	if n, ok := m[key]; ok {
		return n
	}
	return key
}

// writeMarkdown writes results.md: per database, one table with each tool's
// no-op and cold figures at each size.
func writeMarkdown(path string, rows []row, env string) error {
	if env == "" {
		// Keep the machine line of the run that wrote the file.
		if b, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(line, "Machine: ") {
					env = strings.TrimPrefix(line, "Machine: ")
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("<!-- Written by bench/compare from results.csv; do not edit. -->\n\n")
	b.WriteString("# Slipway, GORM AutoMigrate, bun's AutoMigrator and a blind loop\n\n")
	if env != "" {
		fmt.Fprintf(&b, "Machine: %s\n\n", env)
	}
	b.WriteString("No-op: a run on the already-actual database, each on a new connection pool, median of the runs\n")
	b.WriteString("(fastest–slowest in brackets). Cold: one run on an empty database. Statements: every statement\n")
	b.WriteString("sent, BEGIN and COMMIT included, counted under the library by a driver wrapper; in brackets,\n")
	b.WriteString("the DDL among them (no-op: DDL that may change the schema, CREATE ... IF NOT EXISTS not counted).\n")
	for _, db := range dbOrder {
		var rs []row
		for _, r := range rows {
			if r.DB == db {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s %s\n\n", name(dbNames, db), rs[0].Version)
		b.WriteString("| tool | models | no-op | no-op statements | cold | cold statements (DDL) | created by the cold run | measured |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
		type cell struct{ noop, cold *row }
		cells := map[string]*cell{}
		var keys []string
		for i := range rs {
			r := &rs[i]
			k := fmt.Sprintf("%05d/%d/%s", r.Models, order(toolOrder, r.Tool), r.Tool)
			c, ok := cells[k]
			if !ok {
				c = &cell{}
				cells[k] = c
				keys = append(keys, k)
			}
			if r.Run == "cold" {
				c.cold = r
			} else {
				c.noop = r
			}
		}
		slices.Sort(keys)
		var notes []string
		for _, k := range keys {
			c := cells[k]
			first := c.cold
			if first == nil {
				first = c.noop
			}
			noop, noopStmts := timeCell(c.noop), stmtCell(c.noop, false)
			cold, coldStmts := timeCell(c.cold), stmtCell(c.cold, true)
			created := ""
			if c.cold != nil {
				created = c.cold.Created
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s |\n", name(toolNames, first.Tool), first.Models,
				noop, noopStmts, cold, coldStmts, created, first.Date)
			for _, r := range []*row{c.noop, c.cold} {
				if r != nil && r.Note != "" && r.Status != "unsupported" && r.Status != "skipped" {
					notes = append(notes, fmt.Sprintf("- %s, %d models, %s: %s", name(toolNames, r.Tool), r.Models, r.Run, r.Note))
				}
			}
			if c.noop != nil && c.noop.Status == "unsupported" && c.noop.Models == rs[0].Models {
				notes = append(notes, fmt.Sprintf("- %s: not measured: `%s`", name(toolNames, c.noop.Tool), c.noop.Note))
			}
		}
		if len(notes) > 0 {
			b.WriteString("\n" + strings.Join(dedupe(notes), "\n") + "\n")
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func timeCell(r *row) string {
	switch {
	case r == nil:
		return ""
	case r.Status != "ok":
		return r.Status
	case r.Runs > 1:
		lo, hi := msf(r.MinMS), msf(r.MaxMS)
		if unit := hi[strings.LastIndexByte(hi, ' '):]; strings.HasSuffix(lo, unit) {
			lo = strings.TrimSuffix(lo, unit)
		}
		return fmt.Sprintf("%s (%s–%s)", msf(r.MedianMS), lo, hi)
	}
	return msf(r.MedianMS)
}

func stmtCell(r *row, ddl bool) string {
	switch {
	case r == nil || r.Status != "ok":
		return ""
	case ddl || r.DDL > 0:
		return fmt.Sprintf("%d (%d)", r.Statements, r.DDL)
	}
	return strconv.Itoa(r.Statements)
}

func (o objects) String() string {
	return fmt.Sprintf("%d tables (+%d), %d unique, %d indexes, %d FKs", o.tables, o.other, o.uniques, o.indexes, o.fks)
}

// errJoin joins errors (errors.Join).
func errJoin(errs ...error) error { return errors.Join(errs...) }

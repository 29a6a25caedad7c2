package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/slipwaygo/slipway/schema"
)

// The status command: what each datasource's schema is, against the models.

// dataSourceStatus is one datasource in the status command's output; its
// JSON form is documented in docs/cli.md.
type dataSourceStatus struct {
	Name    string `json:"name"`
	Skipped bool   `json:"skipped,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Dialect string `json:"dialect,omitempty"`
	URL     string `json:"url,omitempty"`
	// Tables are the model tables, each present or missing.
	Tables []tableStatus `json:"tables,omitempty"`
	// Actual is true when a migration would execute nothing.
	Actual bool `json:"actual"`
	// The changes pending: applied by a migration, withheld, refused.
	Safe     []changeStatus `json:"safe"`
	Withheld []changeStatus `json:"withheld"`
	Refused  []changeStatus `json:"refused"`
}

type tableStatus struct {
	Name    string `json:"name"`
	Present bool   `json:"present"`
}

type changeStatus struct {
	Change string       `json:"change"`
	Kind   schema.Kind  `json:"kind"`
	Class  schema.Class `json:"class"`
	Table  string       `json:"table,omitempty"`
	Column string       `json:"column,omitempty"`
	Name   string       `json:"name,omitempty"`
	Reason string       `json:"reason,omitempty"`
	SQL    string       `json:"sql,omitempty"`
}

// MarshalJSON leaves out of a skipped datasource what only a planned one
// has.
func (s dataSourceStatus) MarshalJSON() ([]byte, error) {
	type plain dataSourceStatus
	if s.Skipped {
		return json.Marshal(struct {
			Name    string `json:"name"`
			Skipped bool   `json:"skipped"`
			Reason  string `json:"reason"`
		}{s.Name, s.Skipped, s.Reason})
	}
	return json.Marshal(plain(s))
}

func newStatus(r Report) dataSourceStatus {
	s := dataSourceStatus{Name: r.DataSource, Skipped: r.Skipped, Reason: r.Reason}
	if r.Skipped {
		return s
	}
	p := r.Plan
	s.Dialect, s.URL = p.Dialect, r.URL
	missing := map[string]bool{}
	for _, c := range p.Changes {
		if c.Kind == schema.CreateTable {
			missing[c.Table] = true
		}
	}
	for _, t := range p.Tables() {
		s.Tables = append(s.Tables, tableStatus{Name: t, Present: !missing[t]})
	}
	s.Safe, s.Withheld, s.Refused = []changeStatus{}, []changeStatus{}, []changeStatus{}
	for _, c := range p.Changes {
		cs := changeStatus{Change: speakFlags(c.String()), Kind: c.Kind, Class: c.Class, Table: c.Table, Column: c.Column, Name: c.Name,
			Reason: speakFlags(c.Reason), SQL: c.SQL}
		switch {
		case c.Class == schema.WouldFail:
			s.Refused = append(s.Refused, cs)
		case c.Withheld:
			s.Withheld = append(s.Withheld, cs)
		default:
			s.Safe = append(s.Safe, cs)
		}
	}
	s.Actual = p.Empty() && len(s.Refused) == 0
	return s
}

// statusCommand prints, per datasource, its dialect, URL, model tables and
// the changes pending by class. It changes nothing and exits 0 whatever
// it finds (--check is the gate), 1 when it cannot find out.
func statusCommand(ctx context.Context, a Migrater, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := schema.MigrateOptions{DryRun: true}
	var asJSON bool
	fs.String("models", "", "")
	fs.BoolVar(&asJSON, "json", false, "")
	if code, ok := parseFlags(fs, args, &opts.Models, stdout, stderr); !ok {
		return code
	}
	var all []dataSourceStatus
	err := migrateAndStop(ctx, a, opts, func(r Report) { all = append(all, newStatus(r)) })
	if err != nil && !refusedOnly(err) {
		return failed(stderr, err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			DataSources []dataSourceStatus `json:"datasources"`
		}{all}); err != nil {
			return failed(stderr, err)
		}
		return exitOK
	}
	for _, s := range all {
		printStatus(stdout, s)
	}
	return exitOK
}

func printStatus(w io.Writer, s dataSourceStatus) {
	if s.Skipped {
		fmt.Fprintf(w, "%s: skipped (%s)\n", s.Name, s.Reason)
		return
	}
	fmt.Fprintf(w, "%s: %s, %s\n", s.Name, s.Dialect, s.URL)
	var present, missing []string
	for _, t := range s.Tables {
		if t.Present {
			present = append(present, t.Name)
		} else {
			missing = append(missing, t.Name)
		}
	}
	if len(present) > 0 {
		fmt.Fprintf(w, "  tables present: %s\n", strings.Join(present, ", "))
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "  tables missing: %s\n", strings.Join(missing, ", "))
	}
	pending := len(s.Safe) + len(s.Refused)
	if s.Actual {
		fmt.Fprintf(w, "  actual: yes\n")
	} else {
		fmt.Fprintf(w, "  actual: no, %d %s pending\n", pending, plural(pending, "change"))
	}
	group := func(title string, changes []changeStatus) {
		if len(changes) == 0 {
			return
		}
		fmt.Fprintf(w, "  %s (%d):\n", title, len(changes))
		for _, c := range changes {
			fmt.Fprintf(w, "    %s\n", c.Change)
		}
	}
	group("safe, applied by migrate", s.Safe)
	group("withheld", s.Withheld)
	group("refused, would fail on the data", s.Refused)
}

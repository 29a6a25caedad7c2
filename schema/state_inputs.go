package schema

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// The quick path of the schema state: a start that finds nothing to do
// without building the model tables.
//
// Building the tables the models ask for (bun's table of each model, then
// Slipway's) is most of what a matching start costs in Go. But the tables
// are a function of the models' inputs alone: their Go types (fields,
// struct tags, the types they reference, recursively), what their Indexes
// and Checks methods return, the dialect, bun's table name inflector, and
// the versions of Slipway and bun. The state row keeps a digest of those
// inputs beside the digest of the tables and the list of tables to stamp;
// a run whose inputs digest finds a row, and whose stamp of that row's
// tables is the kept one, returns the empty plan without building anything.
// Any other run builds the tables and takes the path of state.go, which
// writes the row again.

// quick is the quick path of a Migrate or Plan of every model.
type quick struct {
	d      stamper
	inputs string
}

// quickPath returns the quick path of a plan with opts, or nil when there
// is none: a rebuild, a selection of models, no state, no inputs digest.
func (m *Migrator) quickPath(opts MigrateOptions) *quick {
	d, ok := m.d.(stamper)
	if !ok || opts.Rebuild || m.noState || len(opts.Models) > 0 || len(m.values) == 0 {
		return nil
	}
	inputs := m.inputsDigest()
	if inputs == "" {
		return nil
	}
	return &quick{d: d, inputs: inputs}
}

// read reports whether the kept state says the database matches the
// models, and the names of the model tables when it does.
func (q *quick) read(ctx context.Context, db bun.IDB) ([]string, bool, error) {
	exists, err := q.d.stateExists(ctx, db)
	if err != nil || !exists {
		return nil, false, err
	}
	var kept, tables sql.NullString
	err = db.QueryRowContext(ctx, "SELECT stamp, tables FROM "+stateTable+" WHERE "+stateColumn+" = ? LIMIT 1", q.inputs).
		Scan(&kept, &tables)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	n, keys, ok := decodeKeys(tables.String)
	if !ok {
		return nil, false, nil
	}
	st, err := q.d.stampOf(ctx, db, keys)
	if err != nil || st.stamp == "" || st.stamp != kept.String {
		return nil, false, err
	}
	names := make([]string, n)
	for i, k := range keys[:n] {
		names[i] = qualify(k.schema, k.name)
	}
	return names, true, nil
}

// encodeKeys writes the number of model tables and the tables to stamp,
// one "schema<TAB>name" a line; "" when a name cannot be written so.
func encodeKeys(models int, keys []tableKey) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(models))
	for _, k := range keys {
		if strings.ContainsAny(k.schema, "\t\n") || strings.ContainsAny(k.name, "\t\n") {
			return ""
		}
		b.WriteByte('\n')
		b.WriteString(k.schema)
		b.WriteByte('\t')
		b.WriteString(k.name)
	}
	return b.String()
}

// decodeKeys reads what encodeKeys wrote.
func decodeKeys(s string) (int, []tableKey, bool) {
	head, rest, _ := strings.Cut(s, "\n")
	n, err := strconv.Atoi(head)
	if err != nil || n <= 0 || rest == "" {
		return 0, nil, false
	}
	keys := make([]tableKey, 0, strings.Count(rest, "\n")+1)
	for line := range strings.SplitSeq(rest, "\n") {
		schema, name, ok := strings.Cut(line, "\t")
		if !ok {
			return 0, nil, false
		}
		keys = append(keys, tableKey{schema, name})
	}
	if n > len(keys) {
		return 0, nil, false
	}
	return n, keys, true
}

// inputsDigest is the digest of everything the model tables are built
// from, computed once; "" when the models cannot be digested (a model that
// is not a struct, an Indexes method that panics): those runs build the
// tables and report what is wrong.
func (m *Migrator) inputsDigest() string {
	m.inputOnce.Do(func() { m.inputs = digestInputs(m.db, m.d, m.values) })
	return m.inputs
}

// inflectorProbe is a model whose bun table name tells whether bun's table
// name inflector (bunschema.SetTableNameInflector) is the one a kept state
// was written under.
type inflectorProbe struct {
	ID int64
}

func digestInputs(db *bun.DB, d dialect, values []any) (digest string) {
	defer func() {
		if recover() != nil {
			digest = ""
		}
	}()
	w := &inputWriter{digestWriter: digestWriter{buf: make([]byte, 0, 512*len(values))}, seen: map[reflect.Type]int{}}
	w.str(stateVersion)
	w.str("inputs")
	w.str(d.name())
	bd := db.Dialect()
	w.str(bd.Name().String())
	w.num(int64(bd.Features()))
	w.num(int64(bd.DefaultVarcharLen()))
	w.str(moduleVersions())
	w.str(db.Table(reflect.TypeFor[inflectorProbe]()).Name)
	w.num(int64(len(values)))
	for _, v := range values {
		typ := reflect.TypeOf(v)
		if typ == nil {
			return ""
		}
		w.typ(typ)
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return ""
		}
		zero := reflect.New(typ).Interface() // what bun's ZeroIface is
		if ixr, ok := zero.(Indexer); ok {
			w.indexes(ixr.Indexes())
		} else {
			w.str("-")
		}
		if ch, ok := zero.(Checker); ok {
			w.checks(ch.Checks())
		} else {
			w.str("-")
		}
	}
	sum := sha256.Sum256(w.buf)
	return hex.EncodeToString(sum[:])
}

// inputWriter writes Go types for the inputs digest: each type once, then
// by its number, so that recursive types end.
type inputWriter struct {
	digestWriter
	seen map[reflect.Type]int
}

func (w *inputWriter) typ(t reflect.Type) {
	if id, ok := w.seen[t]; ok {
		w.buf = append(w.buf, 'R')
		w.num(int64(id))
		return
	}
	w.seen[t] = len(w.seen)
	w.buf = append(w.buf, 'K')
	w.num(int64(t.Kind()))
	w.str(t.PkgPath())
	w.str(t.Name())
	if t.Name() != "" && standard(t.PkgPath()) {
		return // bun knows the standard library's types by name and kind
	}
	switch t.Kind() {
	case reflect.Struct:
		w.num(int64(t.NumField()))
		for i := range t.NumField() {
			f := t.Field(i)
			w.str(f.Name)
			w.str(string(f.Tag))
			w.flag(f.Anonymous)
			w.typ(f.Type)
		}
	case reflect.Pointer, reflect.Slice:
		w.typ(t.Elem())
	case reflect.Array:
		w.num(int64(t.Len()))
		w.typ(t.Elem())
	case reflect.Map:
		w.typ(t.Key())
		w.typ(t.Elem())
	default:
		w.str(t.String())
	}
}

// standard reports whether pkg is a package of the standard library (or
// "", a predeclared type): one whose first path element has no dot.
func standard(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// indexes writes what an Indexes method returned: every exported field of
// Index (TestInputsDigestCoversIndexAndCheck).
func (w *inputWriter) indexes(ixs []Index) {
	w.num(int64(len(ixs)))
	for i := range ixs {
		w.index(&ixs[i])
	}
}

// checks writes what a Checks method returned.
func (w *inputWriter) checks(chs []Check) {
	w.num(int64(len(chs)))
	for _, ch := range chs {
		w.str(ch.Name)
		w.str(ch.Expr)
	}
}

// moduleVersions names the builds of Slipway and bun in the binary: a new
// version may build other tables from the same models.
var moduleVersions = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var b strings.Builder
	for _, mod := range append([]*debug.Module{&info.Main}, info.Deps...) {
		if mod.Path != "github.com/slipwaygo/slipway" && !strings.HasPrefix(mod.Path, "github.com/uptrace/bun") {
			continue
		}
		if mod.Replace != nil {
			mod = mod.Replace
		}
		b.WriteString(mod.Path + "@" + mod.Version + " " + mod.Sum + "\n")
	}
	return b.String()
})

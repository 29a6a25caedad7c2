package repository

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/uptrace/bun"
	bunschema "github.com/uptrace/bun/schema"

	"github.com/slipwaygo/slipway/internal/dburl"
	"github.com/slipwaygo/slipway/schema"
)

// DataSource is a named source of data an application registers: a SQL
// database, or a service such as a REST API or a cache. Only SQL datasources
// are migratable; the application skips the others when it migrates.
type DataSource interface {
	// Name identifies the datasource in the application, e.g. "db".
	Name() string
}

// SQL is a SQL database datasource: a name, a *bun.DB, and the models it
// backs. Open builds one from a URL; NewSQL wraps a *bun.DB you opened.
type SQL struct {
	name    string
	url     string   // redacted; safe to print
	secrets []string // the URL's password and secret parameters, kept only to scrub them from errors
	dialect string
	db      *bun.DB

	mu     sync.Mutex
	models []any
}

var _ DataSource = (*SQL)(nil)

// Open returns a SQL datasource for a database URL:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   PostgreSQL (pgx)
//	mysql://user:pass@host:3306/db                      MySQL or MariaDB
//	sqlite:path/to/app.db, file:app.db                  SQLite (modernc.org/sqlite)
//
// Each database needs its driver linked into the program: import
// github.com/slipwaygo/slipway/driver/postgres, driver/mysql or
// driver/sqlite for its side effect. A URL whose driver is missing fails
// Open with an error naming the import.
//
// Open performs no I/O: the first connection is made on first use (Ping,
// a migration, a query). SQLite files get write-ahead logging, enforced
// foreign keys and a 5 s busy timeout unless the URL sets them; connecting
// to MySQL gives up after 5 s (dial and handshake) unless the URL sets
// timeout=; see WithConnectTimeout. Options add query hooks, verbose SQL,
// pool limits and timeouts; a bad option fails Open. Errors and String name the datasource and never show the
// password or the value of a query parameter that carries a secret: any
// whose name ends in password, passwd, pass, pwd, secret, token or key,
// such as ?sslpassword=.
func Open(name, rawURL string, opts ...Option) (*SQL, error) {
	if name == "" {
		return nil, errors.New("repository: open datasource: empty name")
	}
	if rawURL == "" {
		return nil, fmt.Errorf("repository: datasource %q: no database URL (want postgres://, mysql://, sqlite: or file:)", name)
	}
	cfg, err := dburl.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("repository: datasource %q: %w", name, err)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.check(cfg); err != nil {
		return nil, fmt.Errorf("repository: datasource %q (%s): %w", name, cfg.Redacted, err)
	}
	cfg.ConnectTimeout, cfg.StatementTimeout = o.connectTimeout, o.statementTimeout
	db, err := dburl.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("repository: datasource %q: %w", name, err)
	}
	o.applyPool(db.DB)
	if o.verbose != nil {
		db = db.WithQueryHook(sqlLog{log: o.verbose.With("datasource", name)})
	}
	for _, h := range o.hooks {
		db = db.WithQueryHook(h)
	}
	return &SQL{name: name, url: cfg.Redacted, secrets: dburl.Secrets(rawURL), dialect: cfg.Dialect, db: db}, nil
}

// NewSQL wraps a *bun.DB opened elsewhere as a datasource.
func NewSQL(name string, db *bun.DB) *SQL {
	return &SQL{name: name, url: "(" + db.Dialect().Name().String() + " connection)", dialect: db.Dialect().Name().String(), db: db}
}

// Name returns the datasource's name.
func (s *SQL) Name() string { return s.name }

// DB returns the datasource's *bun.DB.
func (s *SQL) DB() *bun.DB { return s.db }

// URL returns the database URL with its password hidden.
func (s *SQL) URL() string { return s.url }

// Target returns where the datasource points, for logs: its URL with the
// password and secret parameters hidden.
func (s *SQL) Target() string { return s.url }

// Dialect returns bun's name for the database: "pg", "mysql" or "sqlite".
func (s *SQL) Dialect() string { return s.dialect }

// String describes the datasource for logs and errors, without the password.
func (s *SQL) String() string { return fmt.Sprintf("%q (%s)", s.name, s.url) }

// Attach adds models (typed nil pointers such as (*Todo)(nil)) to those the
// datasource backs. Repositories attach their model themselves; attach
// models that have no repository (a join table, say) explicitly.
func (s *SQL) Attach(models ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range models {
		typ := reflect.TypeOf(m)
		if !slices.ContainsFunc(s.models, func(o any) bool { return reflect.TypeOf(o) == typ }) {
			s.models = append(s.models, m)
		}
	}
}

// Models returns the models the datasource backs, in the order they were
// attached.
func (s *SQL) Models() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.models)
}

// Backs reports whether the datasource backs the named model, by Go type
// name or table name (the names schema.MigrateOptions.Models accepts).
func (s *SQL) Backs(model string) bool {
	for _, m := range s.Models() {
		typ := goType(m)
		if typ.Name() == model {
			return true
		}
		if t := s.db.Table(typ); t.Name == model || t.TypeName == model {
			return true
		}
	}
	return false
}

// ModelNames returns the Go type names of the models the datasource backs,
// sorted: the names to use in schema.MigrateOptions.Models.
func (s *SQL) ModelNames() []string {
	var names []string
	for _, m := range s.Models() {
		names = append(names, goType(m).Name())
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// goType is a model's struct type, whatever pointers it comes behind.
func goType(model any) reflect.Type {
	typ := reflect.TypeOf(model)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	return typ
}

// Migrator returns a schema migrator for the models the datasource backs.
func (s *SQL) Migrator(opts ...schema.Option) *schema.Migrator {
	args := make([]any, 0, len(opts)+len(s.models))
	for _, o := range opts {
		args = append(args, o)
	}
	return schema.NewMigrator(s.db, append(args, s.Models()...)...)
}

// Ping checks that the database answers. The error names the datasource and
// its URL without the password.
func (s *SQL) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("repository: datasource %s: ping: %w", s, oneLine(scrub(err, s)))
	}
	return s.ready(ctx)
}

// ready completes setup that needs the database (bun's MySQL dialect reads
// the server version); it is a no-op once done.
func (s *SQL) ready(ctx context.Context) error {
	if err := dburl.Ready(ctx, s.db); err != nil {
		return fmt.Errorf("repository: datasource %s: %w", s, scrub(err, s))
	}
	return nil
}

// Close closes the database's connections.
func (s *SQL) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("repository: datasource %s: close: %w", s, err)
	}
	return nil
}

// scrub makes sure an error does not carry the datasource's password or
// another secret of its URL, should a driver ever echo its DSN or a
// parameter. Secrets shorter than three characters are left: replacing them
// would garble the message and hide little. The error chain is kept.
func scrub(err error, s *SQL) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, secret := range s.secrets {
		if len(secret) >= 3 {
			msg = strings.ReplaceAll(msg, secret, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &rewrittenError{msg: msg, err: err}
}

// rewrittenError is an error with a reworded message and its chain kept.
type rewrittenError struct {
	msg string
	err error
}

func (e *rewrittenError) Error() string { return e.msg }
func (e *rewrittenError) Unwrap() error { return e.err }

// oneLine keeps a driver's multi-line error (pgx lists every address it
// tried) on one line, for logs and command-line output. The chain is kept.
func oneLine(err error) error {
	msg := err.Error()
	if !strings.ContainsAny(msg, "\r\n") {
		return err
	}
	flat := strings.Join(strings.Fields(strings.NewReplacer("\r\n", "; ", "\n", "; ").Replace(msg)), " ")
	return &rewrittenError{msg: strings.ReplaceAll(flat, ":;", ":"), err: err}
}

// HTTP is a datasource for a web service, such as a REST API: a base URL and
// a client. It is not migratable.
type HTTP struct {
	name   string
	base   *url.URL
	Client *http.Client
}

var _ DataSource = (*HTTP)(nil)

// NewHTTP returns an HTTP datasource for a base URL. An empty URL makes a
// datasource that is not configured (see Configured).
func NewHTTP(name, baseURL string) (*HTTP, error) {
	h := &HTTP{name: name, Client: http.DefaultClient}
	if baseURL == "" {
		return h, nil
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("repository: datasource %q: base URL %q must be absolute (http://host/path)", name, dburl.Redact(baseURL))
	}
	h.base = u
	return h, nil
}

// Name returns the datasource's name.
func (h *HTTP) Name() string { return h.name }

// Configured reports whether the datasource has a base URL.
func (h *HTTP) Configured() bool { return h.base != nil }

// Target returns where the datasource points, for logs: its base URL with
// credentials hidden, or "(not configured)".
func (h *HTTP) Target() string {
	if h.base == nil {
		return "(not configured)"
	}
	return dburl.Redact(h.base.String())
}

// URL resolves a path and query against the base URL.
func (h *HTTP) URL(path string, query url.Values) string {
	if h.base == nil {
		return ""
	}
	u := h.base.JoinPath(path)
	u.RawQuery = query.Encode()
	return u.String()
}

// String describes the datasource without credentials: neither the base
// URL's password nor its secret query parameters (api_key, token, ...).
func (h *HTTP) String() string {
	if h.base == nil {
		return fmt.Sprintf("%q (not configured)", h.name)
	}
	return fmt.Sprintf("%q (%s)", h.name, dburl.Redact(h.base.String()))
}

// MigrateSchema migrates the models the datasource backs (only those named
// in opts.Models when it is set; the caller passes names this datasource
// backs) and then runs then inside the migration's lock — and, where the
// database allows, its transaction — with repository calls on this
// datasource routed through it (see WithDB). then is not run on a dry run.
// log receives the migrator's records; nil logs nothing.
func (s *SQL) MigrateSchema(ctx context.Context, opts schema.MigrateOptions, log *slog.Logger, then func(ctx context.Context) error) (*schema.Plan, error) {
	if err := s.Ping(ctx); err != nil {
		return nil, err
	}
	var hook func(context.Context, bun.IDB) error
	if then != nil {
		hook = func(ctx context.Context, conn bun.IDB) error { return then(WithDB(ctx, s, conn)) }
	}
	plan, err := s.Migrator(schema.WithLogger(log)).MigrateThen(ctx, opts, hook)
	if err != nil {
		return plan, scrub(err, s)
	}
	return plan, nil
}

// Locked runs fn while holding the datasource's migration lock — the lock
// MigrateSchema takes — and, where the database allows, inside one
// transaction, with repository calls on this datasource routed through it.
// Overrides of App.MigrateSchema use it to seed data exactly once when
// several replicas start together.
func (s *SQL) Locked(ctx context.Context, log *slog.Logger, fn func(ctx context.Context) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	err := schema.NewMigrator(s.db, schema.WithLogger(log)).Locked(ctx,
		func(ctx context.Context, conn bun.IDB) error { return fn(WithDB(ctx, s, conn)) })
	return scrub(err, s)
}

// registerThrough makes sure bun knows the through (join) tables of typ's
// many-to-many relations before typ's own metadata is built: bun resolves a
// `bun:"m2m:appointments"` relation by table name and panics when no model
// with that table was registered. The through model must be attached to the
// datasource (a repository for it attaches it, or Attach, or
// boot.Model): attaching records it, this registers it.
func (s *SQL) registerThrough(typ reflect.Type) error {
	if typ.Kind() != reflect.Struct {
		return nil
	}
	for i := range typ.NumField() {
		table := m2mTable(typ.Field(i).Tag.Get("bun"))
		if table == "" || s.db.Dialect().Tables().ByName(table) != nil {
			continue
		}
		found := false
		for _, m := range s.Models() {
			if t := tryTable(s.db, goType(m)); t != nil && t.Name == table {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("repository: model %q: field %s goes through table %q, which no model of datasource %q has: attach the through model first (a repository for it, ds.Attach or boot.Model)", typ.Name(), typ.Field(i).Name, table, s.name)
		}
	}
	return nil
}

// m2mTable is the table of a `bun:"m2m:table,..."` tag; "" for others.
func m2mTable(tag string) string {
	for _, opt := range strings.Split(tag, ",") {
		if name, ok := strings.CutPrefix(opt, "m2m:"); ok {
			return name
		}
	}
	return ""
}

// tryTable is bun's table for typ, or nil when bun rejects the model.
func tryTable(db *bun.DB, typ reflect.Type) (t *bunschema.Table) {
	defer func() {
		if recover() != nil {
			t = nil
		}
	}()
	return db.Table(typ)
}

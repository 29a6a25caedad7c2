package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/slipwaygo/slipway/repository"
)

// Config configures a Server. Its zero value serves on 127.0.0.1:3000 with
// LoopBack's defaults.
type Config struct {
	// Addr is where the server listens, host:port; ":0" or "127.0.0.1:0"
	// picks a free port (see Server.Addr). Default 127.0.0.1:3000.
	Addr string
	// MaxBodyBytes is the largest request body read; a larger one is
	// answered 413. Default DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// Limits bound the filters and wheres clients send; a filter over one
	// is answered 400 naming the limit. Zero fields take the defaults of
	// repository.Limits.
	Limits repository.Limits
	// Title and Version are the OpenAPI document's info. Defaults
	// "Slipway application" and "1.0.0".
	Title, Version string
	// DataSources are pinged by GET /health.
	DataSources []repository.DataSource
	// Logger receives one line per request (info), a line per 500 with its
	// cause (error) and the server's own (listening, stopping). Nil logs
	// nothing.
	Logger *slog.Logger
	// HealthTimeout bounds each datasource's ping in /health. Default 2 s.
	HealthTimeout time.Duration
}

// DefaultAddr is where a Server listens unless Config.Addr says otherwise.
const DefaultAddr = "127.0.0.1:3000"

// Routes is a set of REST operations over repositories: a Controller or a
// relation's controller. The server serves them and describes them in its
// OpenAPI document.
type Routes interface {
	operations() []*operation
	sources() []modelSource
}

// modelSource is how the server learns about a model: a repository's
// Describe (with live column sizes), or the datasource's from the model.
type modelSource struct {
	typ      reflect.Type
	ds       *repository.SQL
	describe func(ctx context.Context) (*repository.ModelInfo, error)
}

// operation is one route: how to serve it and how to describe it.
type operation struct {
	method, path string
	id           string // operationId
	tag          string
	summary      string
	params       []paramDoc
	body         func(d *document) any // request body schema; nil for none
	status       int                   // success status
	response     func(d *document) any // success body schema; nil for none (204)
	describe     string                // success description
	handle       func(c *call) error
}

// Server serves REST routes, with /openapi.json (OpenAPI 3.1), /ping and
// /health, on net/http. It logs a line per request. Build one with
// NewServer or, in an application, with Module.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	ops    []*operation
	routes []Routes

	mu       sync.Mutex // guards the models and the document
	models   map[reflect.Type]*model
	complete bool      // models carry the live column sizes
	tried    time.Time // last attempt to read them
	doc      []byte

	lnMu sync.Mutex // guards the listener and the http.Server
	ln   net.Listener
	http *http.Server
}

var _ http.Handler = (*Server)(nil)

// NewServer returns a server for the routes. It reads every model from its
// declaration (no I/O); the live column sizes are read on Start, or on the
// first request. It fails for two routes with one method and path, or a
// model bun rejects.
func NewServer(cfg Config, routes ...Routes) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Title == "" {
		cfg.Title = "Slipway application"
	}
	if cfg.Version == "" {
		cfg.Version = "1.0.0"
	}
	if cfg.HealthTimeout <= 0 {
		cfg.HealthTimeout = 2 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, mux: http.NewServeMux(), routes: routes}
	models, err := describeAll(context.Background(), routes, false)
	if err != nil {
		return nil, err
	}
	s.models = models
	seen := map[string]bool{}
	for _, r := range routes {
		for _, op := range r.operations() {
			key := op.method + " " + op.path
			if seen[key] {
				return nil, fmt.Errorf("rest: two routes for %s", key)
			}
			seen[key] = true
			s.ops = append(s.ops, op)
			s.mux.HandleFunc(key, s.serve(op))
		}
	}
	sort.SliceStable(s.ops, func(i, j int) bool { return s.ops[i].path < s.ops[j].path })
	s.mux.HandleFunc("GET /openapi.json", s.openAPI)
	s.mux.HandleFunc("GET /ping", s.ping)
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("Endpoint %q not found.", r.Method+" "+r.URL.Path)})
	})
	return s, nil
}

// describeAll describes every model the routes touch, following relations
// to models that have no routes of their own. With live, repositories read
// the live column sizes; the error of reading them is returned beside
// complete descriptions from the models.
func describeAll(ctx context.Context, routes []Routes, live bool) (map[reflect.Type]*model, error) {
	models := map[reflect.Type]*model{}
	var queue []modelSource
	for _, r := range routes {
		queue = append(queue, r.sources()...)
	}
	// Sources with a repository first: they know the live sizes.
	sort.SliceStable(queue, func(i, j int) bool { return queue[i].describe != nil && queue[j].describe == nil })
	var liveErr error
	for len(queue) > 0 {
		src := queue[0]
		queue = queue[1:]
		if _, done := models[src.typ]; done {
			continue
		}
		var (
			info *repository.ModelInfo
			err  error
		)
		if src.describe != nil && live {
			info, err = src.describe(ctx)
			liveErr = errors.Join(liveErr, err)
		} else {
			info, err = src.ds.Describe(reflect.New(src.typ).Interface())
			if err != nil {
				return nil, fmt.Errorf("rest: %w", err)
			}
		}
		m := newModel(info)
		models[src.typ] = m
		for _, rel := range m.rels {
			queue = append(queue, modelSource{typ: rel.Target, ds: src.ds})
		}
	}
	return models, liveErr
}

// refresh reads the live column sizes if they were not read yet, at most
// every few seconds while the database cannot be reached. The reading
// holds no lock: requests meanwhile use the models as they are.
func (s *Server) refresh(ctx context.Context) {
	s.mu.Lock()
	if s.complete || time.Since(s.tried) < 5*time.Second {
		s.mu.Unlock()
		return
	}
	s.tried = time.Now()
	s.mu.Unlock()
	models, err := describeAll(ctx, s.routes, true)
	if models == nil {
		s.log.ErrorContext(ctx, "rest: describing the models", "error", err)
		return
	}
	if err != nil {
		s.log.DebugContext(ctx, "rest: column sizes not read yet", "error", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models, s.complete, s.doc = models, err == nil, nil
}

// model returns the server's description of the model type t.
func (s *Server) model(t reflect.Type) *model {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.models[t]
}

// ServeHTTP serves the routes and logs the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler { //nolint:errorlint // a sentinel panic value
				panic(v)
			}
			s.fail(rec, r, internal(fmt.Errorf("panic: %v\n%s", v, debug.Stack())))
		}
		s.log.InfoContext(r.Context(), "rest: request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "bytes", rec.bytes, "took", time.Since(start).Round(time.Microsecond))
	}()
	s.mux.ServeHTTP(rec, r)
}

// recorder remembers the status and size of a response, for the log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// call is one request to an operation.
type call struct {
	s *Server
	w http.ResponseWriter
	r *http.Request
}

func (s *Server) serve(op *operation) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.refresh(r.Context())
		if err := op.handle(&call{s: s, w: w, r: r}); err != nil {
			s.fail(w, r, err)
		}
	}
}

// fail writes err as an error response: an *Error as it is, anything else
// as a 500 that names nothing of the cause, which is logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *Error
	if !errors.As(err, &he) {
		he = internal(err)
	}
	if he.Status >= 500 {
		s.log.ErrorContext(r.Context(), "rest: request failed", "method", r.Method, "path", r.URL.Path, "status", he.Status, "error", err)
	}
	data, _ := json.Marshal(he.body())
	writeJSON(w, he.Status, data)
}

func writeJSON(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte("\n"))
}

// json writes v as a JSON response.
func (c *call) json(status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	writeJSON(c.w, status, data)
	return nil
}

func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// ping is LoopBack's /ping: a greeting and the time.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	data, _ := json.Marshal(map[string]any{
		"greeting": "Hello from Slipway",
		"date":     time.Now().UTC().Format(time.RFC3339Nano),
		"url":      r.URL.RequestURI(),
	})
	writeJSON(w, http.StatusOK, data)
}

type pinger interface {
	Ping(ctx context.Context) error
}

// health pings every datasource that can be pinged: 200 and status UP when
// all answer, 503 and DOWN when one does not. Why one is down is logged,
// not shown.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	type check struct {
		Name  string `json:"name"`
		State string `json:"state"`
	}
	status, code := "UP", http.StatusOK
	checks := []check{}
	for _, ds := range s.cfg.DataSources {
		p, ok := ds.(pinger)
		if !ok {
			continue
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HealthTimeout)
		err := p.Ping(ctx)
		cancel()
		state := "UP"
		if err != nil {
			state, status, code = "DOWN", "DOWN", http.StatusServiceUnavailable
			s.log.WarnContext(r.Context(), "rest: health: datasource down", "datasource", ds.Name(), "error", err)
		}
		checks = append(checks, check{Name: ds.Name(), State: state})
	}
	data, _ := json.Marshal(map[string]any{"status": status, "checks": checks})
	writeJSON(w, code, data)
}

// openAPI serves the OpenAPI document.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	s.refresh(r.Context())
	data, err := s.Document()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(data)
}

// Listen takes the server's address without serving yet, so that a taken
// port is found before slower start-up work (migrations). Calling it again
// does nothing. The error is one line: "rest: listen on 127.0.0.1:3000:
// bind: address already in use".
func (s *Server) Listen(ctx context.Context) error {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln != nil {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = oe.Err
		}
		return fmt.Errorf("rest: listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr returns the address the server listens on once Listen succeeded
// (the chosen port for ":0"), "" before.
func (s *Server) Addr() string {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Start listens (unless Listen did already), reads the models' live
// column sizes, and serves in the background until Stop.
func (s *Server) Start(ctx context.Context) error {
	if err := s.Listen(ctx); err != nil {
		return err
	}
	s.refresh(ctx)
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.http != nil {
		return errors.New("rest: start: already started")
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv, ln := s.http, s.ln
	s.log.InfoContext(ctx, "rest: listening", "url", "http://"+ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("rest: server stopped", "error", err)
		}
	}()
	return nil
}

// Stop stops serving gracefully: requests under way finish within ctx.
func (s *Server) Stop(ctx context.Context) error {
	s.lnMu.Lock()
	srv, ln := s.http, s.ln
	s.http, s.ln = nil, nil
	s.lnMu.Unlock()
	if srv == nil {
		if ln != nil {
			return ln.Close()
		}
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("rest: stop: %w", err)
	}
	return nil
}

// Close releases the address taken by Listen when the server was never
// started; after Start, use Stop.
func (s *Server) Close() error {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln == nil || s.http != nil {
		return nil
	}
	err := s.ln.Close()
	s.ln = nil
	return err
}

package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
	"github.com/slipwaygo/slipway/schema"
)

type TodoList struct {
	bun.BaseModel `bun:"table:todo_lists"`
	ID            int64          `bun:"id,pk,autoincrement" json:"id"`
	Title         string         `bun:"title,notnull" json:"title"`
	Color         *string        `bun:"color" json:"color,omitempty"`
	Todos         []*Todo        `bun:"rel:has-many,join:id=todo_list_id" json:"todos,omitempty"`
	Image         *TodoListImage `bun:"rel:has-one,join:id=todo_list_id" json:"image,omitempty"`
}

type Todo struct {
	bun.BaseModel `bun:"table:todos"`
	ID            int64      `bun:"id,pk,autoincrement" json:"id"`
	Title         string     `bun:"title,notnull" json:"title"`
	Desc          *string    `bun:"desc" json:"desc,omitempty"`
	IsComplete    bool       `bun:"is_complete,notnull,default:false" json:"isComplete"`
	Priority      int16      `bun:"priority,notnull,default:0" json:"priority"`
	Tag           *string    `bun:"tag,type:varchar(8)" json:"tag,omitempty"`
	DueAt         *time.Time `bun:"due_at" json:"dueAt,omitempty"`
	TodoListID    *int64     `bun:"todo_list_id" json:"todoListId,omitempty"`
	TodoList      *TodoList  `bun:"rel:belongs-to,join:todo_list_id=id,on_delete:cascade" json:"todoList,omitempty"`
}

type TodoListImage struct {
	bun.BaseModel `bun:"table:todo_list_images"`
	ID            int64     `bun:"id,pk,autoincrement" json:"id"`
	TodoListID    int64     `bun:"todo_list_id,notnull" slipway:"unique_index" json:"todoListId"`
	Value         string    `bun:"value,notnull" json:"value"`
	TodoList      *TodoList `bun:"rel:belongs-to,join:todo_list_id=id,on_delete:cascade" json:"todoList,omitempty"`
}

type Doctor struct {
	bun.BaseModel `bun:"table:doctors"`
	ID            int64      `bun:"id,pk,autoincrement" json:"id"`
	Name          string     `bun:"name,notnull" json:"name"`
	Patients      []*Patient `bun:"m2m:appointments,join:Doctor=Patient" json:"patients,omitempty"`
}

type Patient struct {
	bun.BaseModel `bun:"table:patients"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Name          string `bun:"name,notnull" json:"name"`
}

type Appointment struct {
	bun.BaseModel `bun:"table:appointments"`
	DoctorID      int64    `bun:"doctor_id,pk" json:"doctorId"`
	Doctor        *Doctor  `bun:"rel:belongs-to,join:doctor_id=id,on_delete:cascade" json:"doctor,omitempty"`
	PatientID     int64    `bun:"patient_id,pk" json:"patientId"`
	Patient       *Patient `bun:"rel:belongs-to,join:patient_id=id,on_delete:cascade" json:"patient,omitempty"`
}

// fixture is a server over the test models on one database.
type fixture struct {
	dialect  testdb.Dialect
	ds       *repository.SQL
	todos    *repository.Repository[Todo]
	lists    *repository.Repository[TodoList]
	images   *repository.Repository[TodoListImage]
	doctors  *repository.Repository[Doctor]
	patients *repository.Repository[Patient]
	server   *rest.Server
	log      *logBuffer
	c        *client
}

func newFixture(t *testing.T, d testdb.Dialect, cfg rest.Config, checks ...rest.Check[Todo]) *fixture {
	t.Helper()
	ds, err := repository.Open("db", testdb.URL(t, d))
	require.NoError(t, err)
	t.Cleanup(func() { _ = ds.Close() })
	f := &fixture{dialect: d, ds: ds, log: &logBuffer{}}
	ds.Attach((*Appointment)(nil))
	f.lists = must(repository.New[TodoList](ds))
	f.todos = must(repository.New[Todo](ds))
	f.images = must(repository.New[TodoListImage](ds))
	f.doctors = must(repository.New[Doctor](ds))
	f.patients = must(repository.New[Patient](ds))
	_, err = ds.MigrateSchema(t.Context(), schema.MigrateOptions{}, nil, nil)
	require.NoError(t, err)

	todosOf := must(repository.NewHasMany(f.lists, f.todos, "todos"))
	listOf := must(repository.NewBelongsTo(f.todos, f.lists, "todoList"))
	imageOf := must(repository.NewHasOne(f.lists, f.images, "image"))
	patientsOf := must(repository.NewHasManyThrough(f.doctors, f.patients, "patients"))
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(f.log, nil))
	}
	if cfg.DataSources == nil {
		cfg.DataSources = []repository.DataSource{ds}
	}
	f.server = must(rest.NewServer(cfg,
		must(rest.NewController(f.todos, "/todos", checks...)),
		must(rest.NewController(f.lists, "/todo-lists")),
		must(rest.NewController(f.doctors, "/doctors")),
		must(rest.NewHasManyController(todosOf, "/todo-lists/{id}/todos", checks...)),
		must(rest.NewBelongsToController(listOf, "/todos/{id}/todo-list")),
		must(rest.NewHasOneController(imageOf, "/todo-lists/{id}/todo-list-image")),
		must(rest.NewHasManyThroughController(patientsOf, "/doctors/{id}/patients")),
	))
	srv := httptest.NewServer(f.server)
	t.Cleanup(srv.Close)
	f.c = &client{t: t, base: srv.URL}
	return f
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// forEachDialect runs fn on SQLite always and on PostgreSQL and MariaDB
// when their DSNs are set, each in a fresh database.
func forEachDialect(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newFixture(t, d, rest.Config{}))
		})
	}
}

type client struct {
	t    *testing.T
	base string

	mu        sync.Mutex
	exchanges []exchange // recorded for the OpenAPI validator
}

// exchange is one request and its answer, as the OpenAPI check reads them.
type exchange struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	RequestBody string `json:"requestBody,omitempty"`
	Status      int    `json:"status"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, path, body string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	require.NoError(c.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	c.mu.Lock()
	c.exchanges = append(c.exchanges, exchange{Method: method, URL: path, RequestBody: body, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(data)})
	c.mu.Unlock()
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// ok sends a request that must answer status and returns its body.
func (c *client) ok(status int, method, path, body string) string {
	c.t.Helper()
	r := c.do(method, path, body)
	require.Equal(c.t, status, r.status, "%s %s: %s", method, path, r.body)
	return strings.TrimSpace(string(r.body))
}

// errorBody is LoopBack's error shape, with Slipway's status and message
// at the top.
type errorBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Error   struct {
		StatusCode int           `json:"statusCode"`
		Name       string        `json:"name"`
		Message    string        `json:"message"`
		Code       string        `json:"code"`
		Details    []rest.Detail `json:"details"`
	} `json:"error"`
}

// fails sends a request that must fail with status, checks the error's
// shape and returns it.
func (c *client) fails(status int, method, path, body string) errorBody {
	c.t.Helper()
	r := c.do(method, path, body)
	require.Equal(c.t, status, r.status, "%s %s: %s", method, path, r.body)
	assert.Equal(c.t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	var e errorBody
	require.NoError(c.t, json.Unmarshal(r.body, &e), "%s", r.body)
	assert.Equal(c.t, status, e.Status)
	assert.Equal(c.t, status, e.Error.StatusCode)
	assert.NotEmpty(c.t, e.Error.Name)
	assert.Equal(c.t, e.Message, e.Error.Message)
	return e
}

func q(s string) string { return url.QueryEscape(s) }

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serve serves h with httptest until the test ends and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func restConfig() rest.Config { return rest.Config{} }

package rest_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
	"github.com/slipwaygo/slipway/schema"
)

type Note struct {
	bun.BaseModel `bun:"table:notes"`

	ID    int64  `bun:"id,pk,autoincrement" json:"id"`
	Title string `bun:"title,type:varchar(20),notnull" json:"title"`
	Done  bool   `bun:"done,notnull,default:false" json:"done"`
}

// notesOnSQLite returns the repository of Note on a new SQLite file, its
// table created, and a function that removes it all.
func notesOnSQLite() (*repository.Repository[Note], func()) {
	dir, err := os.MkdirTemp("", "slipway-example-")
	if err != nil {
		log.Fatal(err)
	}
	ds, err := repository.Open("db", "sqlite:"+filepath.Join(dir, "notes.db"))
	if err != nil {
		log.Fatal(err)
	}
	notes, err := repository.New[Note](ds)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := ds.MigrateSchema(context.Background(), schema.MigrateOptions{}, nil, nil); err != nil {
		log.Fatal(err)
	}
	return notes, func() { _ = ds.Close(); _ = os.RemoveAll(dir) }
}

// A repository served without fx: LoopBack's CRUD routes, validation from
// the model, and answers that show only the fields a filter selects.
func ExampleNewController() {
	notes, done := notesOnSQLite()
	defer done()
	routes, err := rest.NewController(notes, "/notes")
	if err != nil {
		log.Fatal(err)
	}
	server, err := rest.NewServer(rest.Config{}, routes)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(server)
	defer srv.Close()

	send := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(out)))
	}
	send("POST", "/notes", `{"title":"milk"}`)
	send("POST", "/notes", `{"title":"bread","done":true}`)
	send("GET", "/notes?filter[where][done]=true&filter[fields][0]=title", "")
	send("GET", "/notes/count?where="+url.QueryEscape(`{"title":{"ilike":"M%"}}`), "")
	send("PATCH", "/notes?where="+url.QueryEscape(`{"done":false}`), `{"done":true}`)
	send("POST", "/notes", `{"title":"a title longer than twenty characters"}`)
	send("GET", "/notes/9", "")
	// Output:
	// 200 {"id":1,"title":"milk","done":false}
	// 200 {"id":2,"title":"bread","done":true}
	// 200 [{"title":"bread"}]
	// 200 {"count":1}
	// 200 {"count":1}
	// 422 {"error":{"statusCode":422,"name":"UnprocessableEntityError","message":"The request body is invalid: title must NOT have more than 20 characters. See error object `details` property for more info.","code":"VALIDATION_FAILED","details":[{"path":"/title","code":"maxLength","message":"must NOT have more than 20 characters","info":{"limit":20}}]},"status":422,"message":"The request body is invalid: title must NOT have more than 20 characters. See error object `details` property for more info."}
	// 404 {"error":{"statusCode":404,"name":"NotFoundError","message":"Entity not found: Note with id 9","code":"ENTITY_NOT_FOUND"},"status":404,"message":"Entity not found: Note with id 9"}
}

// An application declares its models, repositories and routes; the rest
// module serves them when the application starts, having taken its port
// before the migration.
func ExampleModule() {
	a := app.New(
		boot.DefaultDataSource("sqlite:notes.db"),
		boot.Repository[Note]("db"),
		rest.Module(rest.Config{Addr: "127.0.0.1:3000"}),
		rest.Model[Note]("/notes"),
	)
	ctx := context.Background()
	if err := a.Boot(ctx); err != nil {
		log.Fatal(err)
	}
	if err := a.Listen(ctx); err != nil {
		log.Fatal(err) // app: rest: listen on 127.0.0.1:3000: bind: address already in use
	}
	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}
	a.Run()
}

// The OpenAPI document of the routes, as GET /openapi.json serves it.
func ExampleServer_Document() {
	notes, done := notesOnSQLite()
	defer done()
	routes, err := rest.NewController(notes, "/notes")
	if err != nil {
		log.Fatal(err)
	}
	server, err := rest.NewServer(rest.Config{Title: "Notes"}, routes)
	if err != nil {
		log.Fatal(err)
	}
	doc, err := server.Document()
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.Contains(line, `"openapi"`) || strings.Contains(line, `"operationId"`) {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// "openapi": "3.1.0",
	// "operationId": "HealthController.health",
	// "operationId": "NoteController.find",
	// "operationId": "NoteController.updateAll",
	// "operationId": "NoteController.create",
	// "operationId": "NoteController.count",
	// "operationId": "NoteController.deleteById",
	// "operationId": "NoteController.findById",
	// "operationId": "NoteController.updateById",
	// "operationId": "NoteController.replaceById",
	// "operationId": "OpenAPIController.document",
	// "operationId": "PingController.ping",
}
